-- wrk script: POST the JSON body stored in the file named by $BENCH_BODY_FILE
-- to the URL given on wrk's command line (the GraphQL endpoint).
--
--   BENCH_BODY_FILE=bench/out/products_20.json \
--     wrk -t 2 -c 8 -d 10s --latency -s bench/post.lua http://127.0.0.1:8000/graphql/
local path = os.getenv("BENCH_BODY_FILE")
if not path then
  error("set BENCH_BODY_FILE to a file holding the JSON request body")
end
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
