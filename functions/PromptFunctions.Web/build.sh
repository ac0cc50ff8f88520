#!/usr/bin/env bash
# Builds the web page into functions/PromptFunctions.Web/dist from the lockfile, skipping what is up to date:
# `npm ci` when package-lock.json is newer than the installed tree, `npm run build` when any source is newer than
# the last build. Called by ./run.sh and ./test.sh before the .NET build, which copies dist/ into both hosts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "web: installing npm packages (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi

if [[ ! -f dist/index.html ]] \
   || [[ -n "$(find src public scripts index.html vite.config.js package-lock.json -newer dist/index.html -print -quit)" ]]; then
  echo "web: building the page (vite)..."
  npm run build --silent
fi
