-- wrk script for the S/A/B mix of `make bench`: every connection asks for random paths
-- of the list (one path a line, in the file named after `--`).
--
--   wrk -t 2 -c 16 -d 5s -s mix.lua http://127.0.0.1:PORT -- paths.txt

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

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
  math.randomseed(os.time() * 1000 + id)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
