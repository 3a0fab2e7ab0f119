"""Writing result files safely: whole or not at all, never through a symlink, one line when the disk says no.

Every file alignsim writes (run and compare outputs, sweep parts and tables, analyses, calibrated scenarios) goes
through :func:`write_bytes` or :func:`write_text`: the content is written to a temporary file in the target's folder,
flushed to disk and renamed over the target, so a reader sees the old file or the new one, never half of one (a full
disk or a kill leaves every earlier file readable). A target that is a symlink or a folder, or whose own folder is a
symlink (an ``--out`` folder that is a link), is refused rather than followed. A new file gets the permissions a plain
``open`` would give it (0666 less the process's umask), a replaced one keeps its own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


class OutputError(OSError):
    """A file could not be written; the message names the file and why, in one line."""


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is used up"
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    return exc.strerror or str(exc)


def shown_path(path: str | Path, limit: int = 120) -> str:
    """A path for a one-line message: control characters escaped, a long one cut in the middle."""
    from sim.input.errors import clean

    text = clean(str(path))
    if len(text) <= limit:
        return text
    half = (limit - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


def problem(exc: OSError, what: str = "") -> str:
    """An OSError as one line: the file (shortened) and why, e.g. ``results/weekly.csv: the disk is full``."""
    if isinstance(exc, OutputError):
        return str(exc.strerror)
    name = exc.filename if exc.filename is not None else what
    return f"{shown_path(name)}: {_reason(exc)}" if name else _reason(exc)


def _link(path: Path) -> OutputError:
    return OutputError(errno.ELOOP, f"{shown_path(path)}: is a symbolic link; alignsim does not write through links")


def check_target(path: str | Path) -> Path:
    """``path`` as a file alignsim may write: not a symlink, not a folder, and its folder not a symlink. Returns it;
    raises OutputError."""
    target = Path(path)
    try:
        if target.is_symlink():
            raise _link(target)
        if target.parent.is_symlink():
            raise _link(target.parent)
        if target.is_dir():
            raise OutputError(errno.EISDIR, f"{shown_path(target)}: is a folder, not a file")
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(exc.errno, f"{shown_path(target)}: cannot be written: {_reason(exc)}") from None
    return target


def _umask() -> int:
    """The process's umask, read where Linux shows it; elsewhere set and put back (under a strict mask meanwhile,
    so a file another thread creates in between is never more open than it should be)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _mode(target: Path) -> int:
    """The permissions a plain ``open(target, "w")`` leaves: an existing file's own, else 0666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(target, follow_symlinks=False).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_with(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write ``path`` whole or not at all: ``write(file)`` fills a temporary file beside it, which then replaces
    ``path``. Raises OutputError (one line naming the file) and leaves no temporary file behind."""
    target = check_target(path)
    folder = target.parent
    tmp_name = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:80]}.", suffix=".tmp", dir=folder)
        os.fchmod(fd, _mode(target))  # mkstemp makes it 0600
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        check_target(target)  # not replaced by a link while we wrote
        os.replace(tmp_name, target)
        tmp_name = None
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(exc.errno, f"{shown_path(target)}: cannot be written: {_reason(exc)}") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (see :func:`write_with`)."""
    return write_with(path, lambda f: f.write(data))


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (see :func:`write_with`)."""
    return write_bytes(path, text.encode("utf-8"))
