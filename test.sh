#!/usr/bin/env bash
# The whole test suite: engine tests, CLI tests and the hosted-engine (PowerShell 7.6) module tests.
# Builds first (dotnet test does), so the tests import the freshly built artifacts/Kai/Kai.psd1.
set -euo pipefail
cd "$(dirname "$0")"
eng/prerequisites.sh
dotnet build Kai.sln -c Release -nologo -clp:ErrorsOnly
dotnet test Kai.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee /tmp/kai-test.log | grep -E '^\s*(Passed|Failed|Skipped)!|^\s+Failed |^\s+Error Message|^\s+\[FAIL\]|Total tests' || true
status=${PIPESTATUS[0]}
# One closing line for every project together.
python3 - /tmp/kai-test.log <<'PY'
import re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)", line)
    if m:
        failed += int(m.group(2)); passed += int(m.group(3)); skipped += int(m.group(4))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
