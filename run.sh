#!/usr/bin/env bash
# Starts the prompt hub on this machine: Azurite (blob/queue/table storage emulator, data in .data/azurite) and the
# local ASP.NET Core host on http://127.0.0.1:${PORT:-7071}. Needs only the .NET 10 SDK and Node.js/npm.
# Ctrl-C stops both. Logs: .data/azurite.log and .data/localhost.log.
#
#   ./run.sh --functions   the Functions app (the deployed product) inside the real Azure Functions host instead:
#                          ../shared/functions-host/func-host, or FUNCTIONS_HOST (a func-host script, or `func` for
#                          Core Tools). Same storage, port and key; its settings are appsettings.Development.json's,
#                          passed as environment variables. Log: .data/functions-host.log. See docs/hosts.md.
#
# Environment: PORT (default 7071), STARTUP_TIMEOUT seconds to wait for /api/health (default 120),
# OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_* settings) to export traces, metrics and logs to an OTLP receiver.
# The in-process Durable Task engine's concurrency is a setting (DurableTask:MaxConcurrentActivities), not the core count.
# shellcheck disable=SC2317  # cleanup and stop_group are called from traps
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

MODE=local
for arg in "$@"; do
  case "$arg" in
    --functions) MODE=functions ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) printf 'run.sh: error: unknown argument %s (only --functions)\n' "$arg" >&2; exit 2 ;;
  esac
done

PORT="${PORT:-7071}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-120}"
HOST_PROJECT="functions/PromptFunctions.LocalHost"
DEV_SETTINGS="$HOST_PROJECT/appsettings.Development.json"
DATA_DIR="$ROOT/.data"
AZURITE_DATA="$DATA_DIR/azurite"
AZURITE_LOG="$DATA_DIR/azurite.log"
HOST_LOG="$DATA_DIR/localhost.log"
FUNCTION_APP_PROJECT="functions/PromptFunctions.FunctionApp"
FUNCTION_APP_OUTPUT="$ROOT/$FUNCTION_APP_PROJECT/bin/Release/net10.0"
HOST_NAME="local host"
if [[ "$MODE" == functions ]]; then
  HOST_LOG="$DATA_DIR/functions-host.log"
  HOST_NAME="Functions host"
fi
BUILD_LOG="$DATA_DIR/build.log"
AZURITE_JS="node_modules/azurite/dist/src/azurite.js"
AZURITE_SERVICES=(Blob Queue Table)
AZURITE_PORTS=(10000 10001 10002)
BASE_URL="http://127.0.0.1:${PORT}"

export DOTNET_NOLOGO=1
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"

log() { printf 'run.sh: %s\n' "$*"; }
fail() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }
show_tail() { # show_tail FILE LABEL
  [[ -s "$1" ]] || return 0
  printf -- '--- last lines of %s (%s) ---\n' "$2" "${1#"$ROOT"/}" >&2
  tail -n 40 "$1" >&2
  printf -- '---\n' >&2
}

if ! [[ "$PORT" =~ ^[0-9]+$ ]] || (( PORT < 1 || PORT > 65535 )); then fail "PORT must be a TCP port number, got '$PORT'."; fi
[[ "$STARTUP_TIMEOUT" =~ ^[0-9]+$ ]] || fail "STARTUP_TIMEOUT must be a number of seconds, got '$STARTUP_TIMEOUT'."

# --- prerequisites ------------------------------------------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is required but 'dotnet' is not on PATH (install the .NET 10 SDK)."
dotnet --list-sdks 2>/dev/null | grep -q '^10\.' \
  || fail "the .NET 10 SDK is required; installed SDKs: $(dotnet --list-sdks 2>/dev/null | tr '\n' ' ')"
command -v node >/dev/null 2>&1 || fail "Node.js is required (it runs Azurite) but 'node' is not on PATH."
command -v npm >/dev/null 2>&1 || fail "npm is required to install Azurite but 'npm' is not on PATH."
if [[ "$MODE" == functions ]]; then
  FUNCTIONS_HOST="${FUNCTIONS_HOST:-$ROOT/../shared/functions-host/func-host}"
  if [[ "$(basename "$FUNCTIONS_HOST")" == func ]]; then
    command -v "$FUNCTIONS_HOST" >/dev/null 2>&1 || fail "FUNCTIONS_HOST=$FUNCTIONS_HOST, but it is not on PATH (install Azure Functions Core Tools)."
  else
    [[ -f "$FUNCTIONS_HOST" ]] || fail "no Functions host at $FUNCTIONS_HOST: set FUNCTIONS_HOST to a func-host script, or to 'func' for Core Tools (docs/hosts.md)."
  fi
fi

# Azurite comes from this repository's package-lock.json, never from a global install.
if [[ ! -f "$AZURITE_JS" || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm packages (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed."
fi

# --- helpers ------------------------------------------------------------------------------------------------------
# probe PORT: prints "closed" when nothing listens on 127.0.0.1:PORT, otherwise "open:<HTTP Server header>"
# (empty after the colon when the listener does not answer HTTP within 2 s).
probe() {
  node -e '
    const http = require("http");
    const req = http.get({ host: "127.0.0.1", port: Number(process.argv[1]), path: "/", timeout: 2000 }, res => {
      process.stdout.write("open:" + (res.headers.server || "")); res.resume(); process.exit(0);
    });
    req.on("timeout", () => { process.stdout.write("open:"); process.exit(0); });
    req.on("error", e => { process.stdout.write(e.code === "ECONNREFUSED" ? "closed" : "open:"); process.exit(0); });
  ' "$1"
}

# http_status URL: prints the HTTP status code of a GET, or 000 when there is no answer within 2 s.
http_status() {
  node -e '
    const req = require("http").get(process.argv[1], { timeout: 2000 }, res => {
      process.stdout.write(String(res.statusCode)); res.resume(); process.exit(0);
    });
    req.on("timeout", () => { process.stdout.write("000"); process.exit(0); });
    req.on("error", () => { process.stdout.write("000"); process.exit(0); });
  ' "$1"
}

# start_group LOGFILE CMD...: runs CMD in the background in a process group of its own (so that Ctrl-C in the
# terminal reaches only this script, which then stops the whole group), output to LOGFILE (truncated) or, for
# "-", to this script's stdout; sets STARTED_PID (= the group id).
start_group() {
  local logfile="$1"; shift
  local setsid=()
  if command -v setsid >/dev/null 2>&1; then setsid=(setsid); else set -m; fi
  if [[ "$logfile" == - ]]; then
    "${setsid[@]}" "$@" </dev/null &
  else
    "${setsid[@]}" "$@" >"$logfile" 2>&1 </dev/null &
  fi
  STARTED_PID=$!
  set +m
}

# stop_group PID NAME: SIGTERM to the process group, SIGKILL after 15 s, then reap.
stop_group() {
  local pid="$1" name="$2"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (process group $pid)..."
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && (( waited < 150 )); do sleep 0.1; waited=$((waited + 1)); done
  fi
  # Whatever is left of the group (the leader gone or not) is killed; then the leader is reaped.
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

AZURITE_PID=""
HOST_PID=""
FOLLOW_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_group "$FOLLOW_PID" "log follower" >/dev/null
  stop_group "$HOST_PID" "$HOST_NAME"
  stop_group "$AZURITE_PID" "Azurite"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build --------------------------------------------------------------------------------------------------------
mkdir -p "$AZURITE_DATA"

log "building the web page (functions/PromptFunctions.Web; skipped when up to date)..."
functions/PromptFunctions.Web/build.sh >"$BUILD_LOG" 2>&1 || { show_tail "$BUILD_LOG" "build log"; fail "building the web page failed (log above)."; }

BUILD_PROJECT="$HOST_PROJECT"
[[ "$MODE" == functions ]] && BUILD_PROJECT="$FUNCTION_APP_PROJECT"
log "building $BUILD_PROJECT (Release; output in ${BUILD_LOG#"$ROOT"/})..."
if ! dotnet build "$BUILD_PROJECT" -c Release -nologo -v minimal -tl:off >"$BUILD_LOG" 2>&1; then
  grep -E '(error|warning) [A-Z]+[0-9]+' "$BUILD_LOG" | awk '!seen[$0]++' >&2 || show_tail "$BUILD_LOG" "build log"
  fail "the build failed (errors above)."
fi

[[ "$(probe "$PORT")" == closed ]] || fail "port $PORT is already in use; stop what listens there or choose another with PORT=<port> ./run.sh"

# --- storage: reuse a running Azurite on the standard ports, or start one -----------------------------------------
free=() azurite=() foreign=()
for i in "${!AZURITE_PORTS[@]}"; do
  port="${AZURITE_PORTS[$i]}" service="${AZURITE_SERVICES[$i]}"
  state="$(probe "$port")"
  case "$state" in
    closed) free+=("$port") ;;
    "open:Azurite-$service/"*) azurite+=("$port") ;;
    *) foreign+=("$port (${state#open:})") ;;
  esac
done
if (( ${#foreign[@]} > 0 )); then
  fail "Azurite needs ports ${AZURITE_PORTS[*]}, but something that is not Azurite ${AZURITE_SERVICES[*]} listens on: ${foreign[*]}. Stop it and run again."
elif (( ${#azurite[@]} == ${#AZURITE_PORTS[@]} )); then
  log "reusing the Azurite already listening on ports ${AZURITE_PORTS[*]} (it keeps running after this script stops)."
elif (( ${#azurite[@]} > 0 )); then
  fail "only some Azurite services are running (ports ${azurite[*]}; ${free[*]} free). Stop that Azurite, or start it with blob, queue and table, and run again."
else
  log "starting Azurite (data in ${AZURITE_DATA#"$ROOT"/}, log in ${AZURITE_LOG#"$ROOT"/})..."
  start_group "$AZURITE_LOG" node "$AZURITE_JS" \
    --location "$AZURITE_DATA" --skipApiVersionCheck --disableTelemetry \
    --blobHost 127.0.0.1 --blobPort "${AZURITE_PORTS[0]}" \
    --queueHost 127.0.0.1 --queuePort "${AZURITE_PORTS[1]}" \
    --tableHost 127.0.0.1 --tablePort "${AZURITE_PORTS[2]}"
  AZURITE_PID="$STARTED_PID"
  deadline=$((SECONDS + 30))
  until [[ "$(probe "${AZURITE_PORTS[2]}")" == open:Azurite-Table/* && "$(probe "${AZURITE_PORTS[0]}")" == open:Azurite-Blob/* ]]; do
    if ! kill -0 "$AZURITE_PID" 2>/dev/null; then
      show_tail "$AZURITE_LOG" "Azurite log"
      fail "Azurite exited during start-up (log above)."
    fi
    if (( SECONDS >= deadline )); then
      show_tail "$AZURITE_LOG" "Azurite log"
      fail "Azurite did not answer on ports ${AZURITE_PORTS[*]} within 30 s (log above)."
    fi
    sleep 0.2
  done
fi

# --- host ---------------------------------------------------------------------------------------------------------
# dev_settings_env FILE: every setting of an appsettings JSON file as NAME=VALUE lines in environment form
# (Auth__Keys__0__Secret=...), for the Functions host, which reads app settings from the environment only.
dev_settings_env() {
  node -e '
    const strip = (text) => text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, str) => str ?? "")
      .replace(/("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g, (m, str, close) => str ?? close);
    const settings = JSON.parse(strip(require("fs").readFileSync(process.argv[1], "utf8").replace(/^\uFEFF/, "")));
    const walk = (node, path) => {
      if (node !== null && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}__${key}` : key);
      } else if (node !== null) console.log(`${path}=${node}`);
    };
    walk(settings, "");
  ' "$1"
}

if [[ "$MODE" == local ]]; then
  log "starting the local host on $BASE_URL (log in ${HOST_LOG#"$ROOT"/})..."
  start_group "$HOST_LOG" env \
    ASPNETCORE_URLS="$BASE_URL" \
    ASPNETCORE_ENVIRONMENT=Development \
    ConnectionStrings__Storage="UseDevelopmentStorage=true" \
    dotnet run --no-build --no-launch-profile -c Release --project "$HOST_PROJECT"
else
  # The development settings, unless the environment sets them already; storage is the Azurite above, which also
  # holds the host's own state (timers, the Durable task hub).
  settings_env=()
  if [[ -f "$DEV_SETTINGS" ]]; then
    while IFS= read -r line; do
      name="${line%%=*}"
      if [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ && -n "${!name:-}" ]]; then continue; fi
      settings_env+=("$line")
    done < <(dev_settings_env "$DEV_SETTINGS")
  fi
  settings_env+=(ConnectionStrings__Storage="${ConnectionStrings__Storage:-UseDevelopmentStorage=true}"
                 AzureWebJobsStorage="${AzureWebJobsStorage:-UseDevelopmentStorage=true}")
  log "starting the Functions app under the Functions host ($FUNCTIONS_HOST) on $BASE_URL (log in ${HOST_LOG#"$ROOT"/})..."
  if [[ "$(basename "$FUNCTIONS_HOST")" == func ]]; then
    start_group "$HOST_LOG" env "${settings_env[@]}" bash -c 'cd "$1" && exec "$2" start --port "$3"' func-start \
      "$FUNCTION_APP_OUTPUT" "$FUNCTIONS_HOST" "$PORT"
  else
    start_group "$HOST_LOG" env "${settings_env[@]}" PORT="$PORT" FUNC_HOST_STATE="$ROOT/.func-host/run" \
      bash "$FUNCTIONS_HOST" run "$FUNCTION_APP_OUTPUT"
  fi
fi
HOST_PID="$STARTED_PID"

deadline=$((SECONDS + STARTUP_TIMEOUT))
until [[ "$(http_status "$BASE_URL/api/health")" == 200 ]]; do
  if ! kill -0 "$HOST_PID" 2>/dev/null; then
    show_tail "$HOST_LOG" "$HOST_NAME log"
    fail "the $HOST_NAME exited during start-up (log above)."
  fi
  if (( SECONDS >= deadline )); then
    show_tail "$HOST_LOG" "$HOST_NAME log"
    show_tail "$AZURITE_LOG" "Azurite log"
    fail "GET $BASE_URL/api/health did not answer 200 within ${STARTUP_TIMEOUT} s (logs above; STARTUP_TIMEOUT=<seconds> waits longer)."
  fi
  sleep 0.5
done

# --- ready --------------------------------------------------------------------------------------------------------
# The local development admin key: Auth:Keys:0:Secret from appsettings.Development.json, unless the environment
# overrides it. .NET configuration JSON allows comments and trailing commas, and its keys ignore case.
admin_key="${Auth__Keys__0__Secret:-}"
if [[ -z "$admin_key" && -f "$DEV_SETTINGS" ]]; then
  admin_key="$(node -e '
    // Pass 1 drops comments, pass 2 drops trailing commas; both leave string literals alone.
    const strip = (text, comments) => {
      let out = "", i = 0;
      while (i < text.length) {
        const c = text[i];
        if (c === "\"") {
          let j = i + 1;
          while (j < text.length && text[j] !== "\"") j += text[j] === "\\" ? 2 : 1;
          out += text.slice(i, j + 1); i = j + 1;
        } else if (comments && c === "/" && text[i + 1] === "/") {
          while (i < text.length && text[i] !== "\n") i++;
        } else if (comments && c === "/" && text[i + 1] === "*") {
          const end = text.indexOf("*/", i + 2); i = end < 0 ? text.length : end + 2;
        } else if (!comments && c === ",") {
          let j = i + 1;
          while (j < text.length && /\s/.test(text[j])) j++;
          if (text[j] !== "}" && text[j] !== "]") out += c;
          i++;
        } else { out += c; i++; }
      }
      return out;
    };
    const raw = require("fs").readFileSync(process.argv[1], "utf8").replace(/^\uFEFF/, "");
    const settings = JSON.parse(strip(strip(raw, true), false));
    const get = (o, k) => o == null || typeof o !== "object" ? undefined
      : Array.isArray(o) ? o[k] : o[Object.keys(o).find(n => n.toLowerCase() === String(k).toLowerCase())];
    const secret = ["Auth", "Keys", 0, "Secret"].reduce(get, settings);
    if (typeof secret === "string") process.stdout.write(secret);
  ' "$DEV_SETTINGS" 2>/dev/null)" || admin_key=""
fi

echo
echo "PromptFunctions is running at $BASE_URL ($HOST_NAME)"
echo "  web page:  $BASE_URL/   (sign in with the key below)"
echo "  storage:   Azurite on 127.0.0.1:${AZURITE_PORTS[0]}/${AZURITE_PORTS[1]}/${AZURITE_PORTS[2]} (UseDevelopmentStorage=true)"
if [[ -n "$admin_key" ]]; then
  echo "  admin key: $admin_key   (local development only; from ${DEV_SETTINGS#"$ROOT"/}, Auth:Keys:0:Secret)"
  echo "  try:       curl -sS -H 'Authorization: Bearer $admin_key' $BASE_URL/api/prompts"
elif [[ -f "$DEV_SETTINGS" ]]; then
  echo "  admin key: none: ${DEV_SETTINGS#"$ROOT"/} has no readable Auth:Keys:0:Secret, so authenticated routes answer 401."
  echo "  try:       curl -sS $BASE_URL/api/health"
else
  echo "  admin key: none: ${DEV_SETTINGS#"$ROOT"/} does not exist, so authenticated routes answer 401."
  echo "  try:       curl -sS $BASE_URL/api/health"
fi
if [[ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]]; then
  echo "  telemetry: traces, metrics and logs go over OTLP to $OTEL_EXPORTER_OTLP_ENDPOINT (service.name promptfunctions)"
else
  echo "  telemetry: not exported. To see traces, run any OTLP receiver (Jaeger, the Aspire dashboard, an OpenTelemetry"
  echo "             Collector) and start again with its address, e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 ./run.sh"
  echo "             (add Telemetry__ReadTraceSampleRatio=1 to trace every fetch too; docs/telemetry.md)"
fi
echo "  logs:      ${HOST_LOG#"$ROOT"/} (followed below), ${AZURITE_LOG#"$ROOT"/}"
echo "Press Ctrl-C to stop."
echo

# Follow the host's log until one of the processes ends or a signal arrives (the traps then stop everything).
start_group - tail -n 0 -F "$HOST_LOG"
FOLLOW_PID="$STARTED_PID"
while kill -0 "$HOST_PID" 2>/dev/null && { [[ -z "$AZURITE_PID" ]] || kill -0 "$AZURITE_PID" 2>/dev/null; }; do
  sleep 1 & wait $! || true
done

if ! kill -0 "$HOST_PID" 2>/dev/null; then
  rc=0; wait "$HOST_PID" || rc=$?
  show_tail "$HOST_LOG" "$HOST_NAME log"
  fail "the $HOST_NAME exited (code $rc); log above."
fi
rc=0; wait "$AZURITE_PID" || rc=$?
show_tail "$AZURITE_LOG" "Azurite log"
fail "Azurite exited (code $rc); log above."
