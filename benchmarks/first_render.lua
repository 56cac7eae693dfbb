-- wrk script: every request asks for the same page with a query string never used before
-- (?render=<run>-<thread>-<n>; <run> is the argument after "--", new for each wrk run), so kgpub's
-- per-build memo of finished documents cannot answer it: each request
-- is a first render, made live (labels and counts the build fixes may still come from memory) unless the
-- build rendered the page (kgpub build's pages: then it is a file read). Each wrk thread
-- numbers its own requests by its id (an unseeded math.random gave every thread the same one).
local threads = 0
local run = ""

init = function(args)
  run = args[1] or ""
end

setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0

request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?render=" .. run .. "-" .. id .. "-" .. counter)
end
