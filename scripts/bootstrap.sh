#!/usr/bin/env bash
# Installs everything Cairn needs on a fresh Debian machine, idempotently: system packages
# (S3 test server, keychain, Chromium, peers for benchmarks), Node 22 from the npm registry
# into .tools/, and the npm dependencies. Safe to run again; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  swift swift-proxy swift-account swift-container swift-object memcached  # real S3 server for tests
  libsecret-1-dev gnome-keyring dbus dbus-x11                             # keytar + Secret Service
  chromium xvfb                                                           # UI end-to-end tests
  restic rclone zstd sqlite3                                              # benchmark peers and tools
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # Package scripts try to start daemons (memcached, swift); tests start their own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

NODE22=.tools/node22
if [ ! -x "$NODE22/node_modules/.bin/node" ] || ! "$NODE22/node_modules/.bin/node" -e 'process.exit(+process.versions.node.split(".")[0] === 22 ? 0 : 1)'; then
  echo "bootstrap: installing Node 22 into $NODE22"
  mkdir -p "$NODE22"
  npm install --no-save --no-package-lock --prefix "$NODE22" node@22 >/dev/null
fi

# shellcheck source=scripts/env.sh
source scripts/env.sh
echo "bootstrap: node $(node --version), npm $(npm --version)"

if [ ! -f node_modules/.cairn-installed ] || [ package-lock.json -nt node_modules/.cairn-installed ]; then
  npm ci --no-audit --no-fund
  touch node_modules/.cairn-installed
fi
