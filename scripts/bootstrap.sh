#!/usr/bin/env bash
# Installs everything Cairn needs on a fresh Debian machine, idempotently: system packages
# (S3 test server, keychain, Chromium, peers for benchmarks), Node 22 from the npm registry
# into .tools/ (and Node 20, which a test runs the CLI under), and the npm dependencies. Safe to
# run again; skips what is already there. Elsewhere (macOS, other Linux) it skips the system
# packages, says which ones the tests need, and sets up Node 22 and the dependencies all the same.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: npm is needed to fetch Node 22 and the dependencies, and there is none on PATH." >&2
  echo "  Install Node.js (any version with npm): https://nodejs.org, or 'brew install node@22' on macOS," >&2
  echo "  'winget install OpenJS.NodeJS.LTS' on Windows (then follow README.md's Windows steps), or 'apt-get install nodejs npm'." >&2
  exit 1
fi

APT_PACKAGES=(
  swift swift-proxy swift-account swift-container swift-object memcached  # real S3 server for tests
  libsecret-1-dev gnome-keyring dbus dbus-x11                             # keytar + Secret Service
  chromium xvfb                                                           # UI end-to-end tests
  restic rclone zstd sqlite3                                              # benchmark peers and tools
  python3-fusepy fuse3                                                    # a Mac-like case-folding disk for tests
)
# CI also tests against Ceph's RADOS Gateway, a second S3 implementation (~56 packages: only in
# CI; elsewhere its test skips, or runs against one started with testing/ceph-rgw.sh).
if [ "${CI:-}" = true ]; then APT_PACKAGES+=(radosgw ceph-mon ceph-osd); fi

missing=()
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  echo "bootstrap: this is not Debian or Ubuntu (no apt-get), so system packages are not installed."
  echo "  Cairn itself and its unit tests need only Node 22 and npm (set up below). The rest of 'npm test' needs:"
  echo "    an S3 server for the S3 tests: OpenStack Swift (Debian: swift swift-proxy swift-account swift-container swift-object memcached)"
  echo "    a Secret Service for the keychain tests: gnome-keyring and dbus (macOS and Windows use their own keychain)"
  echo "    Chromium for the UI end-to-end tests, and restic, rclone, zstd, sqlite3 for the benchmarks."
  echo "  On macOS: 'brew install restic rclone zstd sqlite'. Tests whose tools are missing say so and skip."
fi
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

# Node 20, the machine's usual default, only so that a test can check that the CLI refuses it clearly.
NODE20=.tools/node20
if [ ! -x "$NODE20/node_modules/.bin/node" ]; then
  echo "bootstrap: installing Node 20 into $NODE20 (for the CLI's runtime-check test)"
  mkdir -p "$NODE20"
  npm install --no-save --no-package-lock --prefix "$NODE20" node@20 >/dev/null || echo "bootstrap: could not install Node 20; that one test will say it skipped" >&2
fi

# shellcheck source=scripts/env.sh
source scripts/env.sh
echo "bootstrap: node $(node --version), npm $(npm --version)"

if [ ! -f node_modules/.cairn-installed ] || [ package-lock.json -nt node_modules/.cairn-installed ]; then
  npm ci --no-audit --no-fund
  touch node_modules/.cairn-installed
fi
