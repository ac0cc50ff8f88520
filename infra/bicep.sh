#!/usr/bin/env bash
# Runs the Bicep CLI from its NuGet package (Azure.Bicep.CommandLine.linux-x64), restored on first use through
# infra/tools/bicep.csproj, so linting and compiling the templates needs only the .NET SDK and the NuGet feed.
# Usage: infra/bicep.sh <bicep arguments>, e.g. infra/bicep.sh lint infra/main.bicep
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\([^]]*\)\]".*/\1/p' "$here/tools/bicep.csproj")
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
bicep="$packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"
if [[ ! -x "$bicep" ]]; then
  dotnet restore "$here/tools/bicep.csproj" -nologo -v q >&2
  chmod +x "$bicep"
fi
exec "$bicep" "$@"
