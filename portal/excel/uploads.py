"""Work files of imports and exports: kept while needed, deleted when refused, done with, sent, or an hour old."""
from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable

from .. import private
from ..errors import PortalError
from ..runtime import rt
from ..schema import Actor
from . import importer

MAX_AGE = 3600        # seconds a forgotten work file stays (a closed browser never says it is done)
FOLDERS = ('uploads', 'exports')


def work_file(kind: str, suffix: str) -> Path:
    """A new, unused path in the work folder `kind` ('uploads' or 'exports'); old files there are swept."""
    folder = private.folder(rt().settings.data_dir / kind)
    sweep(folder)
    return folder / f'{uuid.uuid4().hex}{suffix}'


def sweep(folder: Path, max_age: float = MAX_AGE) -> int:
    """Delete the files in `folder` older than `max_age` seconds; returns how many went."""
    if not folder.is_dir():
        return 0
    limit, gone = time.time() - max_age, 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                gone += 1
        except FileNotFoundError:
            continue                  # another request swept it first
    return gone


def sweep_all(data_dir: Path, max_age: float = MAX_AGE) -> int:
    return sum(sweep(data_dir / kind, max_age) for kind in FOLDERS)


async def receive(actor: Actor, key: str, name: str, size: int, save: Callable[[Path], Awaitable[None]], *,
                  progress: importer.Progress | None = None) -> importer.ImportPlan:
    """What the import dialog does with an uploaded file: refuse it by its size before it is written, write it
    to the uploads folder, read and check it (importer.plan_import). A refused file is deleted at once; an
    accepted one stays for the preview (its marked copy is made from it) until `discard`."""
    limit = rt().settings.import_max_mb
    if size > limit * 1024 * 1024:
        raise PortalError('file.too_big', size=round(size / 1024 / 1024, 1), limit=limit)
    path = work_file('uploads', Path(name).suffix.lower())
    try:
        await save(path)
        return await importer.plan_import(actor, key, path, name, progress=progress)
    except BaseException:            # refused, damaged, cancelled: nothing of it is kept
        path.unlink(missing_ok=True)
        raise


def discard(plan: importer.ImportPlan | None) -> None:
    """The dialog is done with an upload: delete it (only files of the uploads folder, never a user's own file
    that the command line read in place)."""
    if plan is None:
        return
    folder = (rt().settings.data_dir / 'uploads').resolve()
    if plan.path.resolve().parent == folder:
        plan.path.unlink(missing_ok=True)
