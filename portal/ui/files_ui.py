"""The form's attachment field: the cell's files as thumbnails (a click shows the large image), a remove button on
each, and an upload area that takes several files by drag and drop or the file picker. An upload is saved at once
through `records.attach` (checked, stored, appended by the update path); a removal is an ordinary edit, saved with
the form. Refused files are named with their reason (不是图片文件:x.svg · not an image)."""
from __future__ import annotations

import inspect
import shutil
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from nicegui import ui

from .. import records
from ..errors import PortalError
from ..fields import files as ft
from ..i18n import add_messages
from ..runtime import rt
from ..schema import Actor, FieldSpec
from .texts import t

add_messages({
    'files.drop': ('拖入或选择文件(可多个)', 'Drop or choose files (several at once)'),
    'files.drop_images': ('拖入或选择照片(可多张)', 'Drop or choose photos (several at once)'),
    'files.after_save': ('保存记录后即可上传文件', 'Save the record first, then add files'),
    'files.none': ('还没有文件', 'No files yet'),
    'files.added': ('已上传 {count} 个文件', '{count} file(s) uploaded'),
    'files.remove': ('移除(保存后生效)', 'Remove (saved with the form)'),
    'files.too_big_client': ('文件超过 {limit} MB,未上传', 'A file is over {limit} MB and was not sent'),
    'files.batch_too_big': ('一次最多上传 {limit} MB:其余文件未上传,请再拖入一次',
                            'At most {limit} MB at a time: the other files were not sent; drop them again'),
})


def url(key: str, row_id: int, name: str, sha: str, *, thumb: bool = False) -> str:
    return f'/files/{quote(key)}/{row_id}/{quote(name)}/{sha}' + ('?thumb=1' if thumb else '')


class FilesField(ui.column):
    """An input of the record dialog whose `value` is the list of the cell's file descriptors."""

    def __init__(self, actor: Actor, key: str, row: dict[str, Any], spec: FieldSpec, value: Any, enabled: bool,
                 on_uploaded: Callable[[dict[str, Any]], Any]) -> None:
        super().__init__()
        self.actor, self.key, self.row, self.spec = actor, key, row, spec
        self.value: list[dict[str, Any]] = list(value or [])
        self.enabled, self.on_uploaded = enabled, on_uploaded
        lang = actor.lang
        self.classes('gap-1 w-full')
        with self:
            ui.label(spec.title(lang) + (' *' if spec.required else '')).classes('text-caption text-grey-8')
            self.gallery = ui.row().classes('gap-2 items-start w-full').mark(f'files-{spec.name}')
            self.message = ui.label('').classes('portal-files-refused text-red-8 text-sm whitespace-pre-line').mark(
                f'files-refused-{spec.name}')
            if enabled and row.get('id'):
                self._uploader()
            elif enabled:
                ui.label(t('files.after_save', lang)).classes('text-caption text-grey-7')
        self.show()

    def _uploader(self) -> None:
        """Several files by drop or picker, sent together in one request: the whole request stays under the portal's
        body limit (PORTAL_IMPORT_MAX_MB), so the uploader holds back what would go over it and says so."""
        lang, spec = self.actor.lang, self.spec
        label = t('files.drop_images' if spec.images_only else 'files.drop', lang)
        total = rt().settings.import_max_mb
        upload = ui.upload(label=label, multiple=True, auto_upload=True, on_multi_upload=self._uploaded,
                           max_file_size=ft.max_bytes(spec), max_total_size=total * 1024 * 1024)
        upload.props('flat bordered hide-upload-btn').classes('portal-files-upload w-full')
        upload.mark(f'files-upload-{spec.name}')

        def rejected(e) -> None:
            reasons = {r.get('failedPropValidation') for r in (e.args or []) if isinstance(r, dict)}
            self.message.text = t('files.too_big_client', lang, limit=spec.max_mb or ft.DEFAULT_MAX_MB) \
                if 'max-file-size' in reasons else t('files.batch_too_big', lang, limit=total)
        upload.on('rejected', rejected)
        self.upload = upload

    def disable(self) -> None:
        self.enabled = False

    def show(self) -> None:
        """Draw the files: thumbnails of images, a named chip for the others."""
        self.gallery.clear()
        with self.gallery:
            if not self.value:
                ui.label(t('files.none', self.actor.lang)).classes('text-caption text-grey-6')
            for item in self.value:
                self._one(item)

    def _one(self, item: dict[str, Any]) -> None:
        row_id, name, sha = self.row.get('id'), self.spec.name, item['sha256']
        with ui.column().classes('gap-0 items-center').mark('file-item'):
            if str(item.get('mime', '')).startswith('image/') and row_id:
                ui.image(url(self.key, row_id, name, sha, thumb=True)).props('no-spinner no-transition').classes(
                    'portal-file-thumb').on(
                    'click', lambda item=item: self._preview(item)).mark('file-thumb')
            else:
                ui.link(item.get('name', ''), url(self.key, row_id, name, sha), new_tab=True)
            with ui.row().classes('gap-0 items-center no-wrap'):
                ui.label(item.get('name', '')).classes('text-xs max-w-[90px] ellipsis').tooltip(item.get('name', ''))
                if self.enabled:
                    ui.button(icon='close', on_click=lambda sha=sha: self._remove(sha)).props(
                        'flat dense round size=xs').classes('portal-file-remove').tooltip(
                        t('files.remove', self.actor.lang)).mark('file-remove')

    def _preview(self, item: dict[str, Any]) -> None:
        with ui.dialog() as dialog, ui.card().classes('max-w-[90vw]'):
            ui.label(item.get('name', '')).classes('text-subtitle2')
            ui.image(url(self.key, self.row['id'], self.spec.name, item['sha256'])).classes(
                'portal-file-preview w-[70vw] h-[70vh]').props('fit=contain no-spinner no-transition').mark(
                'file-preview')
            ui.button(t('ui.close', self.actor.lang), on_click=dialog.close).props('flat')
        dialog.open()

    def _remove(self, sha: str) -> None:
        self.value = [f for f in self.value if f['sha256'] != sha]
        self.show()

    async def _uploaded(self, e) -> None:
        lang = self.actor.lang
        folder = Path(tempfile.mkdtemp(prefix='portal-form-files-'))
        try:
            incoming = []
            for i, file in enumerate(e.files):
                path = folder / str(i)
                await file.save(path)
                incoming.append(records.attach.Incoming(name=file.name, path=path, size=file.size()))
            outcome = await records.attach.attach(self.actor, self.key, self.row['id'], self.spec.name, incoming)
        except PortalError as exc:
            self.message.text = exc.message(lang)
            return
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self.upload.reset()
        self.message.text = '\n'.join(r.both() for r in outcome.refused)
        if outcome.row is not None:
            kept = {f['sha256'] for f in self.value}
            self.value = [*self.value, *(f for f in outcome.added if f['sha256'] not in kept)]
            self.show()
            ui.notify(t('files.added', lang, count=len(outcome.added)), type='positive')
            result = self.on_uploaded(outcome.row)
            if inspect.isawaitable(result):
                await result
