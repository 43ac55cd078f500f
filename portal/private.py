"""Files only the portal's user may read: the data folder 0700; the database, its backups and the secret 0600."""
from __future__ import annotations

import os
from pathlib import Path

FOLDER = 0o700
FILE = 0o600


def folder(path: Path) -> Path:
    """Create `path` (and its parents) if needed; the folder itself is made 0700."""
    path = Path(path)
    path.mkdir(mode=FOLDER, parents=True, exist_ok=True)
    os.chmod(path, FOLDER)
    return path


def file(path: Path) -> Path:
    """`path` exists and is 0600 (created empty if it was not there: a new SQLite database starts so)."""
    path = Path(path)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE))
    os.chmod(path, FILE)
    return path


def sqlite(path: Path) -> None:
    """The database file and its companions 0600 (SQLite creates -wal, -shm and journals with the database
    file's own mode, so a 0600 database keeps them private from then on)."""
    file(path)
    for suffix in ('-wal', '-shm', '-journal'):
        companion = Path(f'{path}{suffix}')
        if companion.exists():
            os.chmod(companion, FILE)


def data(data_dir: Path) -> None:
    """At start: the data folder 0700, and backups made before this rule 0600 too."""
    folder(data_dir)
    for backup in (data_dir / 'backups').glob('*.db'):
        os.chmod(backup, FILE)
