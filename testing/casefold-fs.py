"""A folder mounted as a case-insensitive, case-preserving file system that also takes a name's
composed and decomposed Unicode forms for one: how macOS's default APFS compares names (Windows'
NTFS ignores case alike). Linux's own ways to get one (ext4's casefold, vfat) are not in every
kernel; FUSE is. Used by testing/casefold-mount.ts (Debian's python3-fusepy).

Usage (always with /usr/bin/python3): casefold-fs.py SOURCE MOUNTPOINT
Runs in the foreground until unmounted (fusermount -u MOUNTPOINT); the kernel sends it SIGTERM
when its parent (the test process) dies.
"""

import ctypes
import errno
import os
import signal
import sys
import unicodedata

from fusepy import FUSE, FuseOSError, Operations


def fold(name):
    return unicodedata.normalize('NFC', name).casefold()


class CaseFolding(Operations):
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def real(self, path):
        """The stored path of `path`: each part matched to an existing entry by its folded form."""
        real = self.root
        for part in [p for p in path.split('/') if p]:
            exact = os.path.join(real, part)
            if not os.path.lexists(exact):
                try:
                    part = next((e for e in os.listdir(real) if fold(e) == fold(part)), part)
                except OSError:
                    pass
            real = os.path.join(real, part)
        return real

    def access(self, path, mode):
        if not os.access(self.real(path), mode):
            raise FuseOSError(errno.EACCES)

    def getattr(self, path, fh=None):
        st = os.lstat(self.real(path))
        keys = ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid', 'st_ino')
        return {k: getattr(st, k) for k in keys}

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self.real(path))

    def readlink(self, path):
        return os.readlink(self.real(path))

    def mkdir(self, path, mode):
        return os.mkdir(self.real(path), mode)

    def rmdir(self, path):
        return os.rmdir(self.real(path))

    def unlink(self, path):
        return os.unlink(self.real(path))

    def symlink(self, name, target):
        return os.symlink(target, self.real(name))

    def rename(self, old, new):
        src = self.real(old)
        dst = self.real(new)
        # Onto the same entry under another case: the entry takes the new case (as on a Mac).
        if os.path.dirname(src) == os.path.dirname(dst) and fold(os.path.basename(src)) == fold(os.path.basename(new)):
            dst = os.path.join(os.path.dirname(src), os.path.basename(new))
        return os.rename(src, dst)

    def link(self, target, name):
        return os.link(self.real(name), self.real(target))

    def chmod(self, path, mode):
        return os.chmod(self.real(path), mode)

    def chown(self, path, uid, gid):
        return os.chown(self.real(path), uid, gid)

    def utimens(self, path, times=None):
        return os.utime(self.real(path), times)

    def truncate(self, path, length, fh=None):
        return os.truncate(self.real(path), length)

    def statfs(self, path):
        v = os.statvfs(self.real(path))
        keys = ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')
        return {k: getattr(v, k) for k in keys}

    def open(self, path, flags):
        return os.open(self.real(path), flags)

    def create(self, path, mode, fi=None):
        # An existing entry of another case is opened, as O_CREAT does on a Mac.
        return os.open(self.real(path), os.O_WRONLY | os.O_CREAT, mode)

    def read(self, path, length, offset, fh):
        return os.pread(fh, length, offset)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def flush(self, path, fh):
        return None

    def fsync(self, path, datasync, fh):
        return os.fsync(fh)

    def release(self, path, fh):
        return os.close(fh)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    FUSE(CaseFolding(sys.argv[1]), sys.argv[2], foreground=True, nothreads=True, use_ino=True)
