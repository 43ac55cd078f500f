"""Attached files kept by content: `<files>/ab/cd/<sha256>` (+ `<sha256>.thumb.png` beside it), where <files> is
PORTAL_FILES_DIR (a folder every process mounts) or `<data_dir>/files`. Folders 0700, files 0600; every write is a
temporary file in the same folder renamed into place, so a reader never sees half a file and two processes storing
the same bytes at once both end with the one whole file. Nothing here knows rows: the sweep is told which files
are still referenced (`records/attach.sweep`)."""
from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from .. import private
from ..runtime import rt

SHA = re.compile(r'[0-9a-f]{64}')
THUMB = '.thumb.png'


def root() -> Path:
    settings = rt().settings
    return Path(settings.files_dir) if settings.files_dir else Path(settings.data_dir) / 'files'


def path_of(sha: str, *, thumb: bool = False) -> Path:
    if not SHA.fullmatch(sha):
        raise ValueError('not a sha256')
    return root() / sha[:2] / sha[2:4] / (sha + (THUMB if thumb else ''))


def exists(sha: str) -> bool:
    return path_of(sha).is_file()


def put_file(sha: str, source: Path, *, thumb: bool = False) -> Path:
    """Move (or copy) the file at `source` into the store under `sha`, atomically; kept if already there."""
    target = path_of(sha, thumb=thumb)
    if target.is_file():
        os.utime(target)            # stored again: young again for the sweep's grace period
        return target
    folder = target.parent
    private.folder(root())
    private.folder(folder.parent)
    private.folder(folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.in-')
    try:
        with os.fdopen(fd, 'wb') as out, open(source, 'rb') as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, private.FILE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def put_bytes(sha: str, data: bytes, *, thumb: bool = False) -> Path:
    with tempfile.NamedTemporaryFile(delete=False) as tmp:
        tmp.write(data)
    try:
        return put_file(sha, Path(tmp.name), thumb=thumb)
    finally:
        os.unlink(tmp.name)


def stored() -> list[tuple[str, float]]:
    """(sha256, modified time) of every stored file."""
    base = root()
    if not base.is_dir():
        return []
    out = []
    for path in base.glob('??/??/*'):
        if SHA.fullmatch(path.name):
            out.append((path.name, path.stat().st_mtime))
    return out


def remove(sha: str) -> None:
    for thumb in (False, True):
        path_of(sha, thumb=thumb).unlink(missing_ok=True)


def sweep(referenced: set[str], *, grace_seconds: float) -> int:
    """Remove files no row references, unless younger than the grace period (an upload whose row update has not
    committed yet, or a removal that may still be undone); the number removed."""
    cutoff = time.time() - grace_seconds
    removed = 0
    for sha, mtime in stored():
        if sha not in referenced and mtime < cutoff:
            remove(sha)
            removed += 1
    return removed
