-- wrk script: every request asks for the same page with a query string never used before
-- (?render=<thread>-<n>), so kgpub's per-build memo of finished documents cannot answer it: each request
-- is a first render, made live (labels and counts the build fixes may still come from memory) unless the
-- build rendered the page (kgpub build's pages: then it is a file read).
local counter = 0
local thread_id = tostring(math.random(1, 1000000000))

request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?render=" .. thread_id .. "-" .. counter)
end
