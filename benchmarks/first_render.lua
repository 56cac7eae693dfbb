-- wrk script: every request asks for the same page with a query string never used before
-- (?render=<thread>-<n>), so kgpub's per-build memo of finished documents cannot answer it and each
-- request renders the page (labels and counts the build fixes may still come from memory).
local counter = 0
local thread_id = tostring(math.random(1, 1000000000))

request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?render=" .. thread_id .. "-" .. counter)
end
