-- wrk script: every request asks for the same page with a query string never used before
-- (?render=<thread>-<n>), so kgpub's per-build memo of finished documents cannot answer it: each request
-- is a first render, made live (labels and counts the build fixes may still come from memory) unless the
-- build rendered the page (kgpub build's pages: then it is a file read). Each wrk thread
-- numbers its own requests by its id (an unseeded math.random gave every thread the same one).
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0

request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?render=" .. id .. "-" .. counter)
end
