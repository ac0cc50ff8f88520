#!/usr/bin/env bash
# Lints and compiles the templates with the pinned Bicep CLI; any diagnostic, warning or error, fails the check.
# Rules and their levels are in infra/bicepconfig.json. Called by ./test.sh.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
diagnostics=$(
  "$here/bicep.sh" lint "$here/main.bicep" 2>&1
  "$here/bicep.sh" lint "$here/main.bicepparam" 2>&1
  "$here/bicep.sh" build "$here/main.bicep" --stdout 2>&1 >/dev/null
  "$here/bicep.sh" build-params "$here/main.bicepparam" --stdout 2>&1 >/dev/null
)
if [[ -n "$diagnostics" ]]; then
  printf '%s\n' "$diagnostics" >&2
  echo "infra/check.sh: Bicep reported the diagnostics above" >&2
  exit 1
fi
echo "infra/check.sh: bicep lint and build of infra/main.bicep and main.bicepparam: no warnings, no errors ($("$here/bicep.sh" --version))"
