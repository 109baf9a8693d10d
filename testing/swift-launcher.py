"""Runs one process of the test S3 server (testing/s3-server.ts) without touching /etc/swift.

Swift finds swift.conf through the module global swift.common.utils.SWIFT_CONF_FILE, which
storage_policy and constraints read when they are imported; not every code path honours a
`swift_dir` setting. So this launcher points that global at the test's own folder before any
of those modules load, then calls the same run_wsgi() the /usr/bin/swift-*-server scripts call.

Usage (always with /usr/bin/python3):
  swift-launcher.py server SWIFT_DIR (proxy|account|container|object) CONF [RING=PORT ...]
      RING=PORT pairs (account=6011 ...) build one-device rings in SWIFT_DIR first; the proxy
      does this since it is the only server that reads rings, and it saves a Python start.
  swift-launcher.py exec PROGRAM [ARGS ...]
      execs PROGRAM (memcached) with the same parent-death signal.
  swift-launcher.py xattr-check DIR
      exits 0 if files in DIR take user extended attributes (Swift's object server needs them).

Every mode asks the kernel to send SIGTERM when the parent (the Node test process) dies, so a
killed test run leaves no servers behind.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    # The parent may have died between fork and prctl; then we were reparented already.
    expected = os.environ.get('CAIRN_PARENT_PID')
    if expected and os.getppid() != int(expected):
        sys.exit('parent process is gone')


def use_swift_dir(swift_dir):
    # Importing utils reads the hash settings of /etc/swift/swift.conf if that file exists (and
    # ignores it if not); they are cleared and read again from our folder right below.
    from swift.common import utils
    utils.SWIFT_CONF_FILE = os.path.join(swift_dir, 'swift.conf')
    utils.HASH_PATH_PREFIX = b''
    utils.HASH_PATH_SUFFIX = b''
    utils.validate_hash_conf()
    # Importing these reads SWIFT_CONF_FILE, ours by now; the reloads cover an earlier import.
    from swift.common import constraints, storage_policy
    constraints.reload_constraints()
    storage_policy.reload_storage_policies()


def build_rings(swift_dir, pairs):
    # The RingBuilder that swift-ring-builder drives, used in-process: the command line needs
    # three Python starts per ring (create, add, rebalance), about 8 s for three rings here.
    from swift.common.ring import RingBuilder
    for pair in pairs:
        name, port = pair.split('=', 1)
        builder = RingBuilder(6, 1, 1)  # 64 partitions, 1 replica, min_part_hours 1
        builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port),
                         'device': 'd1', 'weight': 1, 'meta': ''})
        builder.rebalance()
        builder.get_ring().save(os.path.join(swift_dir, name + '.ring.gz'))


def run_server(swift_dir, kind, conf, ring_pairs):
    use_swift_dir(swift_dir)
    if ring_pairs:
        build_rings(swift_dir, ring_pairs)
    from swift.common.wsgi import run_wsgi
    options = {'verbose': True}  # log to stderr as well as syslog: the harness keeps a log file
    if kind == 'object':
        from swift.obj import server
        options['global_conf_callback'] = server.global_conf_callback
    return run_wsgi(conf, kind + '-server', **options)


def xattr_check(folder):
    path = os.path.join(folder, '.cairn-xattr-check-%d' % os.getpid())
    try:
        with open(path, 'wb'):
            pass
        os.setxattr(path, 'user.cairn', b'1')
        return 0
    except OSError as error:
        print('%s does not support user extended attributes (%s)' % (folder, error), file=sys.stderr)
        return 1
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def main(argv):
    if len(argv) == 3 and argv[1] == 'xattr-check':
        return xattr_check(argv[2])
    die_with_parent()
    if len(argv) >= 3 and argv[1] == 'exec':
        os.execv(argv[2], argv[2:])
    if len(argv) >= 5 and argv[1] == 'server' and argv[3] in ('proxy', 'account', 'container', 'object'):
        return run_server(argv[2], argv[3], argv[4], argv[5:])
    sys.exit(__doc__)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
