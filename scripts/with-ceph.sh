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

dir="$(mktemp -d "${TMPDIR:-/tmp}/cairn-ceph.XXXXXX")"
stop() {
  pids="$(cat "$dir"/run/*.pid 2>/dev/null || true)"
  sh "$here/testing/ceph-rgw.sh" stop "$dir" || true
  # The daemons take a moment to go; whatever is left after 10 s is killed.
  i=0
  while [ -n "$pids" ] && kill -0 $pids 2>/dev/null && [ "$i" -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM
# Ports of its own, so a gateway someone already runs on the defaults is left alone.
base=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ))
if ! sh "$here/testing/ceph-rgw.sh" "$dir" "$base" "$((base + 1))" > "$dir/started" 2>&1; then
  echo "$0: Ceph RGW did not start (logs in $dir/log); running without it." >&2
  for f in "$dir"/log/*; do [ -f "$f" ] && tail -n 20 "$f" >&2; done
  "$@"
  exit $?
fi
for pair in $(tail -n 1 "$dir/started"); do export "$pair"; done
echo "with-ceph: Ceph RGW at $CAIRN_CEPH_ENDPOINT"
status=0
"$@" || status=$?
exit "$status"
