"""Files into and out of attachment cells, through the same door as every other write.

An upload is judged file by file — kind by extension (only the safe kinds, images only where the field says so),
size, and for images a full decode (`store/images.py`) — then stored by content (`store/blobs.py`) and appended to
the cell by `update_row`'s own path: rights, row scope, read-only and hidden columns, rules, conflicts, closed
months and the audit trail all apply. Good files are kept and refused ones named, each with its reason.

Files outlive a row's deletion (the recycle bin keeps the cell, a restore brings them back). A stored file is
removed only by `sweep`: when no row — live or in the bin — names it, and it has not been stored or re-stored
within the grace period (an upload whose row update has not committed yet; a removal that may still be undone).
`history.purge` ends with a sweep; `python -m portal files-sweep` runs one by hand."""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NotFound, PermissionDenied, PortalError, ValidationFailed
from ..fields import files as ft
from ..i18n import add_messages, t
from ..people import access
from ..runtime import rt
from ..schema import Actor, FieldSpec
from ..store import blobs, db, images
from .read import _load, open_register
from .write import _shown, session

add_messages({
    'attach.not_image': ('不是图片文件:{name}', 'not an image: {name}'),
    'attach.too_many_pixels': ('图片像素过多(超过 {limit} 百万像素):{name}',
                             'the image has too many pixels (over {limit} megapixels): {name}'),
    'attach.bad_type': ('不接受这种文件:{name}(可上传 {kinds})', 'this kind of file is not taken: {name} ({kinds})'),
    'attach.too_big': ('文件超过 {limit} MB:{name}', 'the file is over {limit} MB: {name}'),
    'attach.too_many': ('最多 {max} 个文件:{name} 未加入', 'at most {max} files: {name} was not added'),
    'attach.not_files': ('「{label}」不是附件字段', '"{label}" is not an attachment field'),
    'attach.gone': ('文件不存在', 'No such file'),
    'attach.rule': ('{why}', '{why_en}'),
})
MIME = {'png': 'image/png', 'jpg': 'image/jpeg', 'jpeg': 'image/jpeg', 'gif': 'image/gif', 'webp': 'image/webp',
        'pdf': 'application/pdf', 'txt': 'text/plain', 'csv': 'text/csv', 'zip': 'application/zip',
        'mp4': 'video/mp4', 'xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
        'xls': 'application/vnd.ms-excel', 'doc': 'application/msword'}


@dataclass
class Incoming:
    """One uploaded file, already on disk (a temporary file the caller removes afterwards)."""

    name: str
    path: Path | None
    size: int
    refused: str | None = None       # a refusal decided while it streamed in (too big, wrong kind)


@dataclass
class Refusal:
    name: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = 'zh') -> str:
        return t(self.key, lang, name=self.name, **self.params)

    def both(self) -> str:
        return f'{self.message("zh")} · {self.message("en")}'


@dataclass
class Outcome:
    row: dict[str, Any] | None
    added: list[dict[str, Any]]
    refused: list[Refusal]


async def target(actor: Actor, key: str, row_id: int, name: str, action: str = 'edit'
                 ) -> tuple[FieldSpec, dict[str, Any]]:
    """The attachment field and the full row, when the actor may `action` (view/edit) that cell; else a refusal."""
    register, granted = open_register(actor, key, 'view')
    if action != 'view':
        access.require(rt().catalog, actor, register, action)
    spec = register.field(name)
    if spec is None or name in granted.hidden:
        raise NotFound('error.unknown_field', field=name)
    if not spec.kind.holds_files:
        raise PortalError('attach.not_files', label=spec.title(actor.lang))
    if action != 'view' and not access.writable(spec, granted):
        raise PermissionDenied('perm.column', label=spec.title(actor.lang))
    row = await _load(register, row_id)
    if not access.in_scope(register, granted, actor, row, rt().today()):
        raise NotFound('error.not_found', register=register.title(actor.lang), row_id=row_id)   # (not: 'exists')
    return spec, row


def screen(spec: FieldSpec, name: str, size: int | None) -> str | None:
    """What can be refused before a file's bytes are read: its kind (by extension) and size."""
    if ft.extension(ft.safe_name(name)) not in ft.extensions(spec):
        return 'attach.bad_type'
    if size is not None and size > ft.max_bytes(spec):
        return 'attach.too_big'
    return None


def _refusal(spec: FieldSpec, name: str, key: str) -> Refusal:
    params = {'kinds': ', '.join(ft.extensions(spec)), 'limit': spec.max_mb or ft.DEFAULT_MAX_MB,
              'max': ft.max_files(spec)}
    if key == 'attach.too_many_pixels':
        params['limit'] = images.MAX_PIXELS // 1_000_000
    return Refusal(ft.safe_name(name), key, params)


def _judge(spec: FieldSpec, item: Incoming) -> tuple[dict[str, Any] | None, bytes | None, str | None]:
    """(descriptor, thumbnail, refusal key) of one uploaded file (runs in a worker thread: it decodes images)."""
    name = ft.safe_name(item.name)
    refused = item.refused or screen(spec, name, item.size)
    if refused:
        return None, None, refused
    ext = ft.extension(name)
    thumb = None
    if spec.images_only or ext in ft.IMAGE_EXTENSIONS:
        try:
            checked = images.check_image(item.path)
        except images.NotAnImage as exc:
            return None, None, f'attach.{exc.reason}'
        mime, thumb = checked.mime, checked.thumbnail
    else:
        mime = MIME.get(ext, 'application/octet-stream')
    digest = hashlib.sha256()
    with open(item.path, 'rb') as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    sha = digest.hexdigest()
    blobs.put_file(sha, item.path)
    if thumb is not None:
        blobs.put_bytes(sha, thumb, thumb=True)
    return ft.descriptor(sha, name, item.size, mime), thumb, None


async def attach(actor: Actor, key: str, row_id: int, name: str, incoming: list[Incoming], *,
                 source: str = 'form') -> Outcome:
    """Add the acceptable files of `incoming` to the cell (one update, one undoable action)."""
    spec, row = await target(actor, key, row_id, name)
    current = list(row.get(name) or [])
    have = set(ft.shas(current))
    added, refused = [], []
    for item in incoming:
        desc, _, key_ = await asyncio.to_thread(_judge, spec, item)
        if key_ is None and desc['sha256'] not in have and len(current) + len(added) >= ft.max_files(spec):
            key_ = 'attach.too_many'
        if key_ is not None:
            refused.append(_refusal(spec, item.name, key_))
        elif desc['sha256'] not in have:
            have.add(desc['sha256'])
            added.append(desc)
    if not added:
        return Outcome(None, [], refused)
    try:
        shown = await _append(actor, key, row_id, name, row, added, source)
    except ValidationFailed as exc:
        if len(added) == 1 or {p.field for p in exc.problems} != {name}:
            raise
        return await _one_by_one(actor, key, row_id, name, added, refused, source)
    return Outcome(shown, added, refused)


async def _append(actor: Actor, key: str, row_id: int, name: str, row: dict[str, Any], added: list[dict],
                  source: str) -> dict[str, Any]:
    async with session(actor, key, 'edit', source=source, kind='edit') as w:
        w.ctx = dataclasses.replace(w.ctx, uploads={d['sha256']: d for d in added})
        saved = await w.update(row_id, {name: [*(row.get(name) or []), *added]}, row['version'])
    return await _shown(w, saved)


async def _one_by_one(actor: Actor, key: str, row_id: int, name: str, added: list[dict], refused: list[Refusal],
                      source: str) -> Outcome:
    """A batch a rule refused as a whole (a photo not named by the 货号 among good ones): each file is tried on
    its own, so the good ones are kept and each refused one is named with the rule's words."""
    kept, shown = [], None
    for desc in added:
        _, row = await target(actor, key, row_id, name)
        try:
            shown = await _append(actor, key, row_id, name, row, [desc], source)
            kept.append(desc)
        except ValidationFailed as exc:
            if {p.field for p in exc.problems} != {name}:
                raise
            why = {'why': exc.message('zh'), 'why_en': exc.message('en')}
            refused.append(Refusal(desc['name'], 'attach.rule', why))
    return Outcome(shown, kept, refused)


async def open_file(actor: Actor, key: str, row_id: int, name: str, sha: str, *, thumb: bool = False
                    ) -> tuple[Path, dict[str, Any]]:
    """The stored file (or its thumbnail) of a cell the actor may see, and its descriptor."""
    _, row = await target(actor, key, row_id, name, 'view')
    desc = next((f for f in row.get(name) or () if f.get('sha256') == sha), None)
    if desc is None:
        raise NotFound('attach.gone')
    path = blobs.path_of(sha, thumb=thumb)
    if not path.is_file():
        raise NotFound('attach.gone')
    return path, desc


async def referenced() -> set[str]:
    """Every file any row names, live or in the recycle bin."""
    out: set[str] = set()
    for register in rt().catalog.registers.values():
        names = [f.name for f in register.fields if f.kind is not None and f.kind.holds_files]
        for name in names:
            values = await db.row_model(register.key).filter(**{f'{name}__isnull': False}).values_list(name, flat=True)
            for value in values:
                out.update(ft.shas(value))
    return out


async def sweep(grace_hours: float = 24) -> int:
    """Remove stored files no row names any more (older than the grace period); the number removed."""
    keep = await referenced()
    return await asyncio.to_thread(blobs.sweep, keep, grace_seconds=grace_hours * 3600)
