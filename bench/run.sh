#!/usr/bin/env bash
# Benchmarks of the local host with same-run baselines. Not part of ./test.sh.
# Usage: bench/run.sh [seconds-per-wrk-run] [uncached-samples]
#        bench/run.sh client [seconds-per-round]     (the .NET client's cached GetPromptAsync, then the Langfuse JS
#                                                    client's prompt.get against the same host; no wrk needed)
#        bench/run.sh experiments [rows] [large-rows] (experiment wall-clock against the ideal, stub model at 200 ms)
#        bench/run.sh functions-host [rows]           (the same on the Functions app inside the real Functions host:
#                                                    the first experiment after the host starts, then a second)
#        bench/run.sh throughput [rows] [concurrency] (one large experiment at high concurrency: ratio, CPU ms/row, stub floor)
#        bench/run.sh cold [rows] [samples]            (first experiment in a freshly started host process, then two more)
#                                                    PF_BENCH_JIT_LOG=<file>: what the child's JIT compiled, in order, with tiers;
#                                                    PF_BENCH_TRACE=<file>: a dotnet-trace thread-time trace of the child (needs dotnet-trace)
#        bench/run.sh suites [suites] [rows]           (suite runs, baseline + 1 candidate, against the ideal, stub model at 200 ms)
#        bench/run.sh storage [seconds]                (cached fetch req/s and storage requests per 1,000 fetches, shipped cache settings)
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${1:-}" = client ] || [ "${1:-}" = experiments ] || [ "${1:-}" = throughput ] || [ "${1:-}" = cold ] || [ "${1:-}" = suites ] || [ "${1:-}" = functions-host ] || command -v wrk >/dev/null || { echo "bench: installing wrk (Debian package)"; apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
[ -d node_modules/azurite ] || npm ci --no-audit --no-fund
[ "${1:-}" != client ] || [ -d tests/compat/node_modules/@langfuse/client ] || (cd tests/compat && npm ci --no-audit --no-fund)

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
blob=$(port); queue=$(port); table=$(port)
node node_modules/azurite/dist/src/azurite.js --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
  --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" &
azurite=$!
export PF_BENCH_AZURITE_PID=$azurite
trap 'kill $azurite 2>/dev/null || true' EXIT

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export PF_BENCH_STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export DOTNET_gcServer=1

dotnet build bench/PromptFunctions.Bench -c Release -nologo -v q
[ "${1:-}" != functions-host ] || dotnet build functions/PromptFunctions.FunctionApp -c Release -nologo -v q
dotnet bench/PromptFunctions.Bench/bin/Release/net10.0/PromptFunctions.Bench.dll "$@"
