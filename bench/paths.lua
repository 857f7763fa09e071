-- wrk script: GET a path picked at random, per request, from the file named by
-- $BENCH_PATHS_FILE (one path per line), with $BENCH_QUERY (e.g. "?format=jsonld")
-- appended, so the requests spread over many records as real scans do.
--
--   BENCH_PATHS_FILE=bench/out/paths_provenance.txt \
--     wrk -t 2 -c 16 -d 10s --latency -s bench/paths.lua http://127.0.0.1:8000
local name = os.getenv("BENCH_PATHS_FILE")
if not name then
  error("set BENCH_PATHS_FILE to a file holding one path per line")
end
local suffix = os.getenv("BENCH_QUERY") or ""
local paths = {}
for line in io.lines(name) do
  if line ~= "" then
    paths[#paths + 1] = line .. suffix
  end
end
if #paths == 0 then
  error(name .. " holds no paths")
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  -- Each thread its own sequence of picks.
  math.randomseed(os.time() * 100 + (id or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
