#!/usr/bin/env bash
# Installs the system packages Kai's build, demo and tests use (Debian/Ubuntu), when missing.
#   bubblewrap  the Linux sandbox backend
#   sudo        visudo, to validate generated sudoers
#   systemd     systemd-analyze, to verify generated units
#   sqlite3     handy for inspecting kai.db (not required by the code)
set -euo pipefail
needed=()
command -v bwrap >/dev/null 2>&1 || needed+=(bubblewrap)
command -v visudo >/dev/null 2>&1 || [ -x /usr/sbin/visudo ] || needed+=(sudo)
command -v systemd-analyze >/dev/null 2>&1 || needed+=(systemd)
command -v git >/dev/null 2>&1 || needed+=(git)
command -v python3 >/dev/null 2>&1 || needed+=(python3)
if [ ${#needed[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Kai needs these packages: ${needed[*]} (run: sudo apt-get install -y ${needed[*]})" >&2
  exit 1
fi
echo "Installing: ${needed[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${needed[@]}" >/dev/null
