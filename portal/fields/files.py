"""The attachment field type: a cell holds a list of files kept by content (`{sha256, name, size, mime}`).

Files enter a cell only by an upload (`records/attach.py` checks, stores and hands the new descriptors to the
update as `ValueContext.uploads`). Anything else that writes the cell — the form removing a file, the API, paste,
import — may only name files the cell already holds: `settle` resolves each named file against the old value and
the uploads, so a client never dictates a name, a size or a type, and never invents a file. A text cell (paste,
import) is read as one link (or bare sha256) per line, as the export writes them: it can keep, reorder or drop the
cell's files, never add one; a blank import cell leaves the cell as it is (the importer's rule for every field).
"""
from __future__ import annotations

import re
from typing import Any

from tortoise import fields as tf

from ..i18n import add_messages
from .base import FieldError, FieldType, register_type
from .normalize import clean

add_messages({
    'value.files_shape': ('附件格式不对:{value}', 'Not a list of attached files: {value}'),
    'value.file_unknown': ('附件只能上传添加:「{value}」不是本格已有的文件',
                           'Files are added by uploading them: "{value}" is not a file of this cell'),
    'value.too_many_files': ('最多 {max} 个文件(现有 {count} 个)', 'At most {max} files ({count} given)'),
})

SHA = re.compile(r'[0-9a-f]{64}')
_LINK_SHA = re.compile(r'(?:^|/)([0-9a-f]{64})(?:[/?#].*)?$')
DEFAULT_MAX_FILES = 10
DEFAULT_MAX_MB = 10
IMAGE_EXTENSIONS = ('png', 'jpg', 'jpeg', 'gif', 'webp')
SAFE_EXTENSIONS = IMAGE_EXTENSIONS + ('pdf', 'txt', 'csv', 'xlsx', 'xls', 'docx', 'doc', 'pptx', 'zip', 'mp4')
NAME_MAX = 120


def max_files(spec) -> int:
    return spec.max_files or DEFAULT_MAX_FILES


def max_bytes(spec) -> int:
    return int((spec.max_mb or DEFAULT_MAX_MB) * 1024 * 1024)


def extensions(spec) -> tuple[str, ...]:
    """The extensions the field takes: `accept` within the safe list (images only when `images_only`)."""
    allowed = IMAGE_EXTENSIONS if spec.images_only else SAFE_EXTENSIONS
    if spec.accept:
        return tuple(e.lower().lstrip('.') for e in spec.accept if e.lower().lstrip('.') in allowed)
    return allowed


def safe_name(name: Any) -> str:
    """A file name as kept and shown: the last path part, no control characters, at most NAME_MAX characters
    (the extension kept)."""
    text = clean(str(name or '')) or ''
    text = re.split(r'[\\/]', text)[-1]
    text = ''.join(c for c in text if c.isprintable() and c not in '<>:"|?*').strip(' .') or 'file'
    if len(text) > NAME_MAX:
        stem, dot, ext = text.rpartition('.')
        text = (stem[:NAME_MAX - len(ext) - 1] + '.' + ext) if dot and len(ext) <= 8 else text[:NAME_MAX]
    return text


def extension(name: str) -> str:
    return name.rpartition('.')[2].lower() if '.' in name else ''


def descriptor(sha256: str, name: str, size: int, mime: str) -> dict[str, Any]:
    return {'sha256': sha256, 'name': safe_name(name), 'size': int(size), 'mime': mime}


def shas(value: Any) -> list[str]:
    return [f['sha256'] for f in value or () if isinstance(f, dict) and 'sha256' in f]


@register_type
class Attachment(FieldType):
    name = 'attachment'
    input_kind = 'files'
    label = '附件'
    label_en = 'attached files'
    storage = 'json'
    filter_kind = 'none'
    sortable = False
    holds_files = True
    options = frozenset({'images_only', 'max_files', 'max_mb', 'accept'})

    def column(self, spec):
        return tf.JSONField(null=True)

    def parse(self, raw, spec, ctx):
        """A list of descriptors (or of sha256 references), or text with one link or sha256 per line."""
        if raw is None:
            return None
        if isinstance(raw, str):
            lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
            return [{'sha256': self._sha_of(line)} for line in lines] or None
        if not isinstance(raw, (list, tuple)):
            raise FieldError('value.files_shape', value=str(raw)[:60])
        out = []
        for item in raw:
            sha = item.get('sha256') if isinstance(item, dict) else item
            if not isinstance(sha, str) or not SHA.fullmatch(sha):
                raise FieldError('value.files_shape', value=str(item)[:60])
            out.append(_clean_descriptor(item) if isinstance(item, dict) and len(item) > 1 else {'sha256': sha})
        return out or None

    def _sha_of(self, line: str) -> str:
        match = _LINK_SHA.search(line.lower())
        if match is None:
            raise FieldError('value.file_unknown', value=line[:80])
        return match[1]

    def check(self, value, spec) -> None:
        if value and len(value) > max_files(spec):
            raise FieldError('value.too_many_files', max=max_files(spec), count=len(value))

    def settle(self, old, new, spec, ctx):
        """Each named file resolved against the cell's old files and this request's uploads (None = trusted
        caller: undo and restore write back what the audit trail kept)."""
        if new is None or ctx.uploads is None:
            return new
        known = {f['sha256']: f for f in old or () if isinstance(f, dict) and 'sha256' in f}
        known.update(ctx.uploads)
        out, seen = [], set()
        for item in new:
            sha = item['sha256']
            if sha not in known:
                raise FieldError('value.file_unknown', value=item.get('name') or sha[:12])
            if sha not in seen:
                seen.add(sha)
                out.append(dict(known[sha]))
        return out or None

    def to_json(self, value, spec):
        return [dict(f) for f in value] if value else None

    def text(self, value, spec, lang='zh') -> str:
        return '、'.join(f.get('name') or f['sha256'][:12] for f in value or ())

    def to_cell(self, value, spec):
        return '\n'.join(f['sha256'] for f in value or ())

    def cell_in_row(self, value, spec, where: dict) -> Any:
        """The export's cell: one link per file — absolute with PORTAL_PUBLIC_URL, else relative."""
        if not value:
            return None
        base = f"{where.get('base', '')}/files/{where['register']}/{where['id']}/{spec.name}/"
        return '\n'.join(base + f['sha256'] for f in value)

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agTextCellEditor', 'editable': False, 'cellRenderer': 'portalFilesRenderer',
                'filter': 'agTextColumnFilter',
                'filterParams': {'filterOptions': ['blank', 'notBlank'], 'maxNumConditions': 1, 'buttons': ['reset']}}

    def hint(self, spec, lang='zh') -> str:
        kinds = ', '.join(extensions(spec))
        if lang == 'en':
            return (f'{"images" if spec.images_only else "files"} ({kinds}), up to {max_files(spec)}, '
                    f'{spec.max_mb or DEFAULT_MAX_MB} MB each; uploaded in the form')
        return f'{"图片" if spec.images_only else "文件"}({kinds}),最多 {max_files(spec)} 个,每个 ≤ ' \
               f'{spec.max_mb or DEFAULT_MAX_MB} MB;在表单中上传'

    def check_spec(self, spec, report) -> None:
        if spec.max_files is not None and not 1 <= spec.max_files <= 100:
            report('S135', 'max_files', 'max_files must be between 1 and 100', value=spec.max_files)
        if spec.max_mb is not None and not 0 < spec.max_mb <= 100:
            report('S135', 'max_mb', 'max_mb must be more than 0 and at most 100', value=spec.max_mb)
        allowed = IMAGE_EXTENSIONS if spec.images_only else SAFE_EXTENSIONS
        for ext in spec.accept:
            if ext.lower().lstrip('.') not in allowed:
                report('S136', 'accept', f"'{ext}' is not a file kind this field may take", value=ext,
                       allowed=list(allowed), near=ext)

    def demo(self, rng, spec, ctx):
        return None            # demo rows leave files empty (no invented files)


def _clean_descriptor(item: dict) -> dict[str, Any]:
    try:
        return descriptor(item['sha256'], item.get('name') or 'file', int(item.get('size') or 0),
                          str(item.get('mime') or 'application/octet-stream')[:100])
    except (TypeError, ValueError):
        raise FieldError('value.files_shape', value=str(item)[:60]) from None
