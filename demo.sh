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
demo_root="$(mktemp -d)"
trap 'rm -rf "$demo_root"' EXIT
export KAI_DATA_DIR="$demo_root/data"
workspace="$demo_root/workspace"
mkdir -p "$workspace"
"$kai" shell demo --workspace "$workspace" --command 'cd "$HOME"; export GREETING="hello from the sandbox"; echo "kernel $(uname -r), pid $$"'
# A secret in the caller's environment never enters the sandbox; the rest of the system is read-only.
TELEGRAM_BOT_TOKEN=123456:demo-secret "$kai" shell demo --workspace "$workspace" --command \
  'echo "$GREETING, still in $PWD"; echo "bot token inside: ${TELEGRAM_BOT_TOKEN:-<not visible>}"; touch /usr/probe 2>&1 | head -1'
echo
echo "== 3. What the sandbox blocks (directed probes with the default policy)"
"$kai" sandbox test --workspace "$workspace"
