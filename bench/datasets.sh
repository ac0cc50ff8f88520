#!/usr/bin/env bash
# Peak memory of dataset uploads and page-by-page reads at growing sizes (see docs/benchmarks.md, "Datasets").
# Not part of ./test.sh. Usage: bench/datasets.sh [sizes, e.g. 10000,100000,1000000] [page size]
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/azurite ] || npm ci --no-audit --no-fund

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
blob=$(port); queue=$(port); table=$(port)
node node_modules/azurite/dist/src/azurite.js --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
  --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" &
azurite=$!
trap 'kill $azurite 2>/dev/null || true' EXIT

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export PF_BENCH_STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"

dotnet build bench/PromptFunctions.DatasetBench -c Release -nologo -v q
dotnet bench/PromptFunctions.DatasetBench/bin/Release/net10.0/PromptFunctions.DatasetBench.dll "$@"
