-- wrk script for `manage.py loadtest`: every connection walks the list of reader pages
-- (one path a line, in the file named after `--`), each thread from its own place, and
-- the answers that are not 2xx or 3xx are counted by status.
--
--   wrk -t 4 -c 64 -d 30s -s loadtest.lua http://127.0.0.1:PORT -- paths.txt

local threads = {}

-- Runs in wrk's main interpreter, once per thread, before the threads start.
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Runs in each thread's own interpreter.
function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  if #paths == 0 then
    error("no paths in " .. args[1])
  end
  -- Threads start far apart in the list, so that they do not ask for the same page at once.
  position = (id * 7919) % #paths
  failures = {}
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  if status >= 400 then
    failures[status] = (failures[status] or 0) + 1
  end
end

-- Back in the main interpreter: one line per failing status, for the harness to read.
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("failures")) do
      io.write(string.format("LOADTEST status %d %d\n", status, count))
    end
  end
end
