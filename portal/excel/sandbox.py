"""Reads an upload in its own process within memory and time limits: a parser's crash never costs the portal."""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import gc
import io
import json
import logging
import os
import pickle
import struct
import sys
import weakref
from pathlib import Path

import portal

from ..errors import PortalError
from .limits import Limits
from .reader import Row

log = logging.getLogger(__name__)
PARALLEL = 2        # files read at once by one portal process; more wait their turn
_turns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def read_rows(path: Path, kind: str, limits: Limits) -> list[Row]:
    """(row number, cells) of the rows with content of the file's first sheet; PortalError when the file is
    refused, damaged, or its reading needs more memory or time than `limits` allow."""
    loop = asyncio.get_running_loop()
    turn = _turns.setdefault(loop, asyncio.Semaphore(PARALLEL))
    async with turn:
        request = json.dumps({'path': str(Path(path).resolve()), 'kind': kind, 'limits': limits.to_dict()})
        process = await asyncio.create_subprocess_exec(
            sys.executable, '-m', 'portal.excel.reader', request, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_environment())
        errors = asyncio.ensure_future(_tail(process.stderr))
        try:
            async with asyncio.timeout(limits.seconds):
                return await _receive(process, limits)
        except TimeoutError:
            raise PortalError('file.unreadable', memory_mb=limits.memory_mb, seconds=round(limits.seconds)) from None
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()
            detail = await errors
            if detail:
                log.warning('reading %s: %s', Path(path).name, detail)


async def _receive(process, limits: Limits) -> list[Row]:
    table: list[Row] = []
    while True:
        try:
            size = struct.unpack('>I', await process.stdout.readexactly(4))[0]
            if size > (limits.max_text_mb + 16) * 1024 * 1024:
                raise asyncio.IncompleteReadError(b'', size)          # not a message the reader writes
            data = await process.stdout.readexactly(size)
        except asyncio.IncompleteReadError:
            code = await process.wait()
            log.warning('the reading process ended with %s', code)
            raise PortalError('file.unreadable', memory_mb=limits.memory_mb, seconds=round(limits.seconds)) from None
        with _no_collection():
            message = _Unpickler(io.BytesIO(data)).load()
        if message[0] == 'rows':
            table.extend(message[1])
        elif message[0] == 'done':
            return table
        else:
            raise PortalError(message[1], **message[2])


@contextlib.contextmanager
def _no_collection():
    """A batch builds thousands of lists of plain values, none in a cycle: the cyclic collector's passes over
    them (and over every other object of the server) would be more than half the cost of taking them in."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Unpickler(pickle.Unpickler):
    """Only the values a spreadsheet cell holds: what the reading process sends is data, never code."""

    ALLOWED = {('datetime', 'date'), ('datetime', 'datetime'), ('datetime', 'time'), ('datetime', 'timedelta')}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f'{module}.{name} is not cell data')


async def _tail(stream, keep: int = 2000) -> str:
    """What the process says on stderr (a native crash prints its reason there), the last `keep` bytes."""
    text = b''
    while chunk := await stream.read(65536):
        text = (text + chunk)[-keep:]
    return text.decode('utf-8', 'replace').strip()


def _environment() -> dict[str, str]:
    """The portal package importable from the child whichever way the portal was started; nothing else of the
    portal's environment (its database URL and secrets are no business of a parser of strangers' files)."""
    root = str(Path(portal.__file__).resolve().parent.parent)
    paths = [root, *filter(None, os.environ.get('PYTHONPATH', '').split(os.pathsep))]
    kept = {k: os.environ[k] for k in ('PATH', 'LANG', 'LC_ALL', 'TMPDIR') if k in os.environ}
    return {**kept, 'PYTHONPATH': os.pathsep.join(paths)}
