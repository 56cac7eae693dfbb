-- wrk script: every request sends another query text, so no cache keyed by the text can answer. The path's
-- query (?query=<a SELECT without LIMIT>) gets " LIMIT <10..16> # <run>-<thread>-<n>" appended: the LIMIT
-- changes the answer a little, the comment makes every text new (each wrk thread numbers its own, by its id;
-- <run> is the argument after "--", new for each wrk run, so a run never repeats an earlier run's texts).
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
  local tail = " LIMIT " .. (10 + counter % 7) .. " # " .. run .. "-" .. id .. "-" .. counter
  local encoded = string.gsub(tail, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end)
  return wrk.format(nil, wrk.path .. encoded)
end
