#!/usr/bin/env bash
# Installs the system packages Kai's build, demo and tests use (Debian/Ubuntu), when missing.
#   bubblewrap  the Linux sandbox backend
#   sudo        visudo, to validate generated sudoers
#   systemd     systemd-analyze, to verify generated units
#   git python3 make   ordinary tools the tests run inside the sandbox (python3 also drives a pty test)
#   procps      ps, for process-tree fallbacks
#   passwd util-linux  useradd/userdel, runuser/setpriv: tests create real users and drop privileges
set -euo pipefail
needed=()
need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] || needed+=("$2"); }
need bwrap bubblewrap
need visudo sudo
need systemd-analyze systemd
need git git
need python3 python3
need make make
need ps procps
need useradd passwd
need setpriv util-linux
if [ ${#needed[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Kai needs these packages: ${needed[*]} (run: sudo apt-get install -y ${needed[*]})" >&2
  exit 1
fi
echo "Installing: ${needed[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${needed[@]}" >/dev/null
