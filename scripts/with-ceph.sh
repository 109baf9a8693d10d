#!/bin/sh
# Runs a command with a one-node Ceph RADOS Gateway (S3) on loopback, started for it and stopped
# after it, so that the Ceph tests (main/engine/storage/s3-ceph-rgw.test.ts) run for real:
#   scripts/with-ceph.sh vitest run
# Where Ceph isn't installed (it is in CI: scripts/bootstrap.sh with CI=true), or a gateway is
# already given (CAIRN_CEPH_ENDPOINT), it just runs the command, and the Ceph tests say why they skip.
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${CAIRN_CEPH_ENDPOINT:-}" ] || ! command -v radosgw >/dev/null 2>&1 || ! command -v ceph-mon >/dev/null 2>&1 || ! command -v monmaptool >/dev/null 2>&1; then
  exec "$@"
fi

# True while any of the given processes is still running.
alive() {
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
dir=""
stop() {
  [ -n "$dir" ] || return 0
  pids="$(cat "$dir"/run/*.pid 2>/dev/null || true)"
  sh "$here/testing/ceph-rgw.sh" stop "$dir" || true
  # The daemons take a moment to go; whatever is left after 10 s is killed.
  i=0
  while [ "$i" -lt 20 ] && alive $pids; do sleep 0.5; i=$((i + 1)); done
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
  dir=""
}
trap stop EXIT INT TERM
# Its OSD sometimes fails its first start ("wrong fsid": 7 of 20 starts here): up to five
# tries, each in a fresh folder on ports of its own (a gateway already on the defaults is left alone).
started=""
for try in 1 2 3 4 5; do
  dir="$(mktemp -d "${TMPDIR:-/tmp}/cairn-ceph.XXXXXX")"
  base=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ))
  if sh "$here/testing/ceph-rgw.sh" "$dir" "$base" "$((base + 1))" > "$dir/started" 2>&1; then
    started=yes
    break
  fi
  echo "$0: Ceph RGW did not start (try $try of 5):" >&2
  grep -E -- '-1 |rror|fail' "$dir/started" | tail -n 5 >&2 || true
  stop
done
if [ -z "$started" ]; then
  echo "$0: running without Ceph RGW: its tests will say they skipped." >&2
  "$@"
  exit $?
fi
for pair in $(tail -n 1 "$dir/started"); do export "$pair"; done
echo "with-ceph: Ceph RGW at $CAIRN_CEPH_ENDPOINT"
status=0
"$@" || status=$?
exit "$status"
