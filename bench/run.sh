#!/usr/bin/env bash
# Kai's session benchmarks in Release: raw baselines and Kai's figures measured in the same run, with ratios.
#   bench/run.sh            full run (about two minutes on 2 cores)
#   bench/run.sh --quick    fewer iterations
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Kai.Bench/Kai.Bench.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
# The cmdlet bench imports the built module (artifacts/Kai), which its build produces.
dotnet build bench/Kai.Bench.PowerShell/Kai.Bench.PowerShell.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet bench/Kai.Bench/bin/Release/net10.0/Kai.Bench.dll "$@"
echo
exec dotnet bench/Kai.Bench.PowerShell/bin/Release/net10.0/Kai.Bench.PowerShell.dll "$@"
