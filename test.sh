#!/usr/bin/env bash
# Runs every test suite of the repository. Needs only the .NET 10 SDK and Node.js/npm (and Debian's Chromium for
# the web page, which it installs when run as root): the tests start their own
# in-memory Azurite instances on free ports (tests/PromptFunctions.Tests/Infrastructure/AzuriteServer.cs), so
# nothing has to be running first. Extra arguments go to `dotnet test`, e.g.
#   ./test.sh --filter FullyQualifiedName~AzuriteServer
# Set PF_TEST_STORAGE_CONNECTION_STRING to run the storage tests against storage that is already running.
#
# The HTTP suites also run the Functions app inside the real Azure Functions host (docs/hosts.md): by default the
# open-source host runner in ../shared/functions-host (func-host); FUNCTIONS_HOST names another func-host script,
# or `func` for Azure Functions Core Tools where they are installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

fail() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is required but 'dotnet' is not on PATH (install the .NET 10 SDK)."
dotnet --list-sdks 2>/dev/null | grep -q '^10\.' || fail "the .NET 10 SDK is required; installed SDKs: $(dotnet --list-sdks 2>/dev/null | tr '\n' ' ')"
command -v node >/dev/null 2>&1 || fail "Node.js is required (the tests run Azurite with it) but 'node' is not on PATH."
command -v npm >/dev/null 2>&1 || fail "npm is required to install Azurite but 'npm' is not on PATH."

# The real Functions host is part of the suite, never silently skipped.
FUNCTIONS_HOST_DEFAULT="$ROOT/../shared/functions-host/func-host"
if [[ -z "${FUNCTIONS_HOST:-}" ]]; then
  [[ -f "$FUNCTIONS_HOST_DEFAULT" ]] || fail "the tests run the Functions app under the real Azure Functions host, and $FUNCTIONS_HOST_DEFAULT does not exist.
  Point FUNCTIONS_HOST at a host: a func-host script (FUNCTIONS_HOST=/path/to/functions-host/func-host ./test.sh), or
  Azure Functions Core Tools where they are installed (FUNCTIONS_HOST=func ./test.sh). See docs/hosts.md."
elif [[ "$(basename "$FUNCTIONS_HOST")" == func ]]; then
  command -v "$FUNCTIONS_HOST" >/dev/null 2>&1 || fail "FUNCTIONS_HOST=$FUNCTIONS_HOST, but '$FUNCTIONS_HOST' is not on PATH (install Azure Functions Core Tools)."
else
  [[ -f "$FUNCTIONS_HOST" ]] || fail "FUNCTIONS_HOST=$FUNCTIONS_HOST does not exist (a func-host script, or \`func\` for Core Tools)."
fi

# Azurite comes from this repository's package-lock.json, never from a global install.
if [[ ! -f node_modules/azurite/dist/src/azurite.js || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "test.sh: installing npm packages (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed."
fi

# The web page is built before the .NET build, which copies it into both hosts (skipped when up to date).
functions/PromptFunctions.Web/build.sh || fail "building the web page failed."

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot reach its host).
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing Chromium for the browser tests (apt-get install chromium)..."
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } \
      || fail "installing Chromium failed (apt-get install chromium)."
  else
    fail "the browser tests need Debian's Chromium at /usr/bin/chromium: run 'apt-get install -y chromium' as root (test.sh does it when run as root)."
  fi
fi

export DOTNET_NOLOGO=1
mkdir -p .func-host
# Each real host a test starts keeps its state and host.log under .func-host/tests/; a day later nobody reads them.
find .func-host/tests -mindepth 1 -maxdepth 1 -type d -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"

status=0
# The deployment templates: the Bicep CLI (from its NuGet package) lints and compiles them with no warnings.
echo "test.sh: Bicep lint and build (infra/)"
infra/check.sh || status=$?

if (( $# > 0 )); then
  dotnet test PromptFunctions.sln -c Release "$@" || status=$?
else
  # Tests that mostly wait (Functions hosts starting, Durable timeouts lapsing after a crash, storage retries) run in a
  # test process of their own beside the others, where they do not hold xunit's places (one per core) meanwhile.
  dotnet build PromptFunctions.sln -c Release -nologo -v q || fail "the build failed."
  dotnet test tests/PromptFunctions.Tests -c Release --no-build --filter "Category=LongWait" --logger "console;verbosity=detailed" > .func-host/long-wait-tests.log 2>&1 &
  long_wait=$!
  trap 'kill "$long_wait" 2>/dev/null || true' EXIT
  dotnet test PromptFunctions.sln -c Release --no-build --filter "Category!=LongWait" || status=$?
  echo "test.sh: tests that mostly wait (Category=LongWait; output in .func-host/long-wait-tests.log)"
  long_wait_status=0
  wait "$long_wait" || long_wait_status=$?
  grep -E '^\s*(Passed|Failed)!|^\s*(Total tests|Passed|Failed):|^\s+Failed |Error Message' -A3 .func-host/long-wait-tests.log || true
  # How long each crashed experiment took to complete after its restart, against the 90 s budget.
  grep -E 'after the restart' .func-host/long-wait-tests.log | grep -v 'rows done' || true
  (( long_wait_status == 0 )) || status=$long_wait_status
fi

# The real Phoenix and Langfuse JavaScript clients against the local host and against the Functions app inside the
# real Functions host (both built above, in Release). Each suite adds to $status without stopping the others.
if [[ -f tests/compat/package.json ]]; then
  ( cd tests/compat \
    && { [[ -d node_modules/@langfuse/client && node_modules/.package-lock.json -nt package-lock.json ]] \
         || npm ci --no-audit --no-fund --loglevel=error; } ) || status=$?
  for host in local-host functions-host; do
    echo "test.sh: client compatibility suite (tests/compat) on the $host"
    ( cd tests/compat && node run.mjs "$host" ) || status=$?
  done
fi

# The web page in Chromium against the local host (built above): the prompt writer's cycle, roles, conflicts,
# upload errors and axe-core scans; screenshots go to docs/screenshots/.
echo "test.sh: web page browser suite (functions/PromptFunctions.Web/tests)"
( cd functions/PromptFunctions.Web && node tests/run.mjs ) || status=$?

exit "$status"
