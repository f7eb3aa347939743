#!/usr/bin/env bash
# The whole test suite: engine tests, CLI tests and the hosted-engine (PowerShell 7.6) module tests.
# Builds first, so the tests import the freshly built artifacts/Kai/Kai.psd1.
set -uo pipefail
cd "$(dirname "$0")"
eng/prerequisites.sh || exit 1
dotnet build Kai.sln -c Release -nologo -clp:ErrorsOnly || exit 1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Minimal verbosity prints each failure with its message and stack, and one summary line per test project.
# -m:1: one test project at a time (and xunit.runner.json: one collection at a time), because real bwrap
# sandboxes and tests that create users with useradd (which rewrites /etc/shadow) must not overlap.
# A hung test fails the run after 10 minutes instead of eating CI's budget.
dotnet test Kai.sln -c Release --no-build -nologo -m:1 --blame-hang-timeout 10m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line for every project together.
awk '
  /(Passed|Failed)! +- +Failed: / {
    gsub(",", ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
    }
    projects++
  }
  END { printf "%d passed, %d failed, %d skipped (%d test projects)\n", p, f, s, projects }
' "$log"
exit "$status"
