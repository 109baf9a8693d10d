#!/bin/sh
# Starts a one-node Ceph cluster with the RADOS Gateway (S3) on loopback, for the opt-in Ceph
# conformance test (main/engine/storage/ceph-rgw.test.ts). Debian's packages:
#   apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
# One monitor, one OSD on memstore (nothing on disk but the monitor's store), pool size 1, no
# cephx, msgr v1 only; radosgw's beast frontend on 127.0.0.1:$RGW_PORT. Prints, when ready:
#   CAIRN_CEPH_ENDPOINT=http://127.0.0.1:PORT CAIRN_CEPH_ACCESS_KEY=... CAIRN_CEPH_SECRET_KEY=...
# Stop it with: testing/ceph-rgw.sh stop DIR
#
#   testing/ceph-rgw.sh [DIR] [MON_PORT] [RGW_PORT]
set -eu
if [ "${1:-}" = stop ]; then
  for f in "$2"/run/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  exit 0
fi
DIR=${1:-$(mktemp -d /tmp/cairn-ceph-XXXXXX)}
MON_PORT=${2:-16789}
RGW_PORT=${3:-17480}
mkdir -p "$DIR/run" "$DIR/log" "$DIR/mon" "$DIR/osd/ceph-0"
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF="$DIR/ceph.conf"
cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = [v1:127.0.0.1:$MON_PORT]
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms bind msgr2 = false
ms bind ipv4 = true
ms bind ipv6 = false
public network = 127.0.0.0/8
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
keyring = $DIR/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw dns name = 127.0.0.1
rgw data = $DIR/rgw
CONF
: > "$DIR/keyring"
monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap"
ceph-mon -c "$CONF" -i a
OSD_ID=$(ceph -c "$CONF" osd create)
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs
ceph-osd -c "$CONF" -i "$OSD_ID"
mkdir -p "$DIR/rgw"
radosgw -c "$CONF" -n client.rgw.a
ACCESS=cairnaccesskey
SECRET=cairnsecretkey0123456789
i=0
until radosgw-admin -c "$CONF" user info --uid cairn >/dev/null 2>&1 || radosgw-admin -c "$CONF" user create --uid cairn --display-name cairn --access-key "$ACCESS" --secret-key "$SECRET" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -gt 60 ] && { echo "radosgw-admin could not create a user; see $DIR/log" >&2; exit 1; }; sleep 1
done
i=0
until curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/"; do
  i=$((i + 1)); [ "$i" -gt 60 ] && { echo "radosgw did not answer on $RGW_PORT; see $DIR/log" >&2; exit 1; }; sleep 1
done
echo "CAIRN_CEPH_DIR=$DIR CAIRN_CEPH_ENDPOINT=http://127.0.0.1:$RGW_PORT CAIRN_CEPH_ACCESS_KEY=$ACCESS CAIRN_CEPH_SECRET_KEY=$SECRET"
