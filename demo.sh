#!/usr/bin/env bash
# Builds Kai and runs its main job on an embedded default, installing nothing:
#   1. the protected-install plan for examples/install.conf, previewed (dry run: nothing changes),
#   2. a command run in a sandboxed, persistent shell session (bubblewrap), state carried between commands.
# Session data goes to a throwaway KAI_DATA_DIR.
set -euo pipefail
cd "$(dirname "$0")"
eng/prerequisites.sh
dotnet build Kai.sln -c Release -nologo -clp:ErrorsOnly
kai=artifacts/bin/kai

echo
echo "== 1. Install plan for examples/install.conf (dry run, nothing is changed)"
# Exit code 2 means "the plan would change something" (0: nothing to do, 1: failed).
"$kai" install apply --config examples/install.conf --dry-run || [ $? -eq 2 ]

echo
echo "== 2. A sandboxed session"
KAI_DATA_DIR="$(mktemp -d)"
export KAI_DATA_DIR
trap 'rm -rf "$KAI_DATA_DIR"' EXIT
workspace="$KAI_DATA_DIR/workspace"
mkdir -p "$workspace"
"$kai" shell demo --workspace "$workspace" --command 'cd "$HOME"; export GREETING="hello from the sandbox"; echo "kernel $(uname -r), pid $$"'
"$kai" shell demo --workspace "$workspace" --command 'echo "$GREETING, still in $PWD"; ls /etc/kai 2>&1 | head -1; touch /usr/probe 2>&1 | head -1'
