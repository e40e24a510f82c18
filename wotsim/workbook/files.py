"""Writing one file atomically: the previous file or the new one, never half of one.

The bytes go to a new temporary sibling (created exclusively, never through a symbolic link),
are flushed to disk, and the sibling is renamed over the target (then the directory is
flushed), so that a crash, a full disk or an error leaves the previous file as it was.  A
target that is a directory or a symbolic link is refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from ..errors import WotsimError

__all__ = ["write_file"]


def write_file(path: str | Path, data: bytes, *, what: str = "file") -> None:
    """Write ``data`` to ``path`` atomically.

    Raises
    ------
    WotsimError
        For a target that is a directory or a symbolic link, a missing parent directory, or an
        OSError while writing (one line naming the file).
    """
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            raise WotsimError(f"{path}: is a symbolic link; refusing to write the {what} through it")
        if not stat.S_ISREG(mode):
            raise WotsimError(f"{path}: is not a regular file; refusing to replace it with the {what}")
    parent = path.parent
    if not parent.is_dir():
        raise WotsimError(f"{path}: no such directory {str(parent)!r}; create it first")
    tmp = parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # the rename itself on disk (not every file system allows this)
            dir_fd = os.open(parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise WotsimError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None
