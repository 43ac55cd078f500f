"""Attached files: the field type's rules, hostile uploads (SVG, text named .png, a decompression bomb, an
oversized file cut off while it streams), rights on upload and download over the REST API, the update path (no
invented files, undo), the recycle bin and the sweep, and the file_names rule."""
from __future__ import annotations

import io
import struct
import zlib
from datetime import date, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from portal import records
from portal.errors import NotFound, PermissionDenied, ValidationFailed
from portal.fields import FieldError, ValueContext, get_type
from portal.fields import files as ft
from portal.people import tokens
from portal.schema import FieldSpec
from portal.store import blobs, images

CTX = ValueContext(today=date(2026, 11, 27), now=datetime(2026, 11, 27, 10, 0))
SPEC = FieldSpec(name='photos', type='attachment', label='照片', images_only=True, max_files=3)


def png(color=(200, 30, 30), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new('RGB', size, color).save(out, 'PNG')
    return out.getvalue()


def bomb_png(side: int = 100_000) -> bytes:
    """A PNG whose header claims side × side pixels (10 gigapixels) in a few hundred bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    rows = zlib.compress(b'\0' * 1000)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', side, side, 1, 0, 0, 0, 0))
            + chunk(b'IDAT', rows) + chunk(b'IEND', b''))


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


# --- the field type ----------------------------------------------------------------------------------------------

def test_settle_takes_only_files_the_cell_has_or_the_request_uploaded():
    kind = get_type('attachment')
    held = {'sha256': 'ab' * 32, 'name': 'SKU1-a.png', 'size': 10, 'mime': 'image/png'}
    forged = [{'sha256': 'ab' * 32, 'name': 'evil.html', 'size': 1, 'mime': 'text/html'}]
    assert kind.settle([held], kind.parse(forged, SPEC, CTX), SPEC, CTX) == [held]   # the server's own descriptor
    with pytest.raises(FieldError) as err:
        kind.settle([held], [{'sha256': 'cd' * 32}], SPEC, CTX)
    assert err.value.key == 'value.file_unknown'
    new = {'sha256': 'cd' * 32, 'name': 'n.png', 'size': 3, 'mime': 'image/png'}
    uploaded = ValueContext(today=CTX.today, now=CTX.now, uploads={new['sha256']: new})
    assert kind.settle([held], [{'sha256': 'ab' * 32}, {'sha256': 'cd' * 32}], SPEC, uploaded) == [held, new]
    with pytest.raises(FieldError):
        kind.check([held] * 4, SPEC)                                 # max_files = 3


def test_export_cell_is_one_link_per_file():
    kind = get_type('attachment')
    value = [{'sha256': 'ab' * 32, 'name': 'a.png', 'size': 1, 'mime': 'image/png'},
             {'sha256': 'cd' * 32, 'name': 'b.png', 'size': 1, 'mime': 'image/png'}]
    cell = kind.cell_in_row(value, SPEC, {'register': 'returns', 'id': 7, 'base': 'https://ops.example'})
    assert cell.splitlines() == [f'https://ops.example/files/returns/7/photos/{"ab" * 32}',
                                 f'https://ops.example/files/returns/7/photos/{"cd" * 32}']
    assert kind.parse(cell, SPEC, CTX) == [{'sha256': 'ab' * 32}, {'sha256': 'cd' * 32}]    # an import reads it back


@settings(max_examples=200, deadline=None, derandomize=True)
@given(name=st.text(max_size=400))
def test_any_file_name_becomes_a_safe_one(name):
    safe = ft.safe_name(name)
    assert safe and len(safe) <= ft.NAME_MAX
    assert '/' not in safe and '\\' not in safe and not any(c in safe for c in '<>:"|?*')
    assert all(c.isprintable() for c in safe) and safe not in ('.', '..')
    assert ft.safe_name(safe) == safe


# --- hostile files, decoded ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('data,reason', [(SVG, 'not_image'), (b'just some text, not a PNG', 'not_image'),
                                         (bomb_png(), 'too_many_pixels'), (png()[:40], 'not_image')])
def test_hostile_images_are_refused(tmp_path, data, reason):
    path = tmp_path / 'x.png'
    path.write_bytes(data)
    with pytest.raises(images.NotAnImage) as err:
        images.check_image(path)
    assert err.value.reason == reason


def test_a_real_photo_gets_a_re_encoded_thumbnail(tmp_path):
    path = tmp_path / 'big.png'
    path.write_bytes(png(size=(1200, 900)))
    checked = images.check_image(path)
    assert checked.mime == 'image/png' and (checked.width, checked.height) == (1200, 900)
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert thumb.format == 'PNG' and max(thumb.size) <= 320


# --- over HTTP (the REST API), through the records service ---------------------------------------------------------

async def _new_return(actor, **extra) -> dict:
    values = {'order_no': 'T-9001', 'buyer': '买家甲', 'return_type': '退货', 'reason': '物流破损', 'sku': 'SKU1',
              **extra}
    return await records.create_row(actor, 'returns', values)


def _client(token: str) -> httpx.AsyncClient:
    from portal.web.api import api
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url='http://t',
                             headers={'Authorization': f'Bearer {token}'})


async def test_upload_download_rights_and_refusals(engine, actors):
    row = await _new_return(actors['cs'])
    cs = _client((await tokens.create(actors['cs'], 't'))[1])
    path = f'/registers/returns/rows/{row["id"]}/files/photos'
    files = [('f', (f'SKU1-{i}.png', png((i * 60, 90, 90)), 'image/png')) for i in range(3)]
    answer = await cs.post(path, files=files)
    assert answer.status_code == 200, answer.text
    photos = answer.json()['row']['photos']
    assert [p['name'] for p in photos] == ['SKU1-0.png', 'SKU1-1.png', 'SKU1-2.png']
    sha = photos[0]['sha256']
    assert blobs.path_of(sha).stat().st_mode & 0o777 == 0o600
    assert blobs.path_of(sha).parent.stat().st_mode & 0o777 == 0o700 == blobs.root().stat().st_mode & 0o777
    assert blobs.root() == engine.settings.data_dir / 'files'
    got = await cs.get(f'{path}/{sha}')
    assert got.status_code == 200 and got.content == png((0, 90, 90))
    assert got.headers['content-type'] == 'image/png' and got.headers['x-content-type-options'] == 'nosniff'
    assert got.headers['content-disposition'].startswith('inline; filename*=UTF-8')
    thumb = await cs.get(f'{path}/{sha}', params={'thumb': 'true'})
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).format == 'PNG'

    hostile = [('f', ('x.svg', SVG, 'image/svg+xml')), ('f', ('fake.png', b'hello, I am text', 'image/png')),
               ('f', ('bomb.png', bomb_png(), 'image/png'))]
    refused = await cs.post(path, files=hostile)
    assert refused.status_code == 422
    messages = [r['message'] for r in refused.json()['refused']]
    assert messages[0].startswith('不接受这种文件:x.svg') and messages[1] == '不是图片文件:fake.png'
    assert '像素过多' in messages[2]
    assert len((await records.get_row(actors['cs'], 'returns', row['id']))['photos']) == 3

    warehouse = _client((await tokens.create(actors['warehouse'], 't'))[1])     # scope: 待寄回/已收货 only
    assert (await warehouse.get(f'{path}/{sha}')).status_code == 404
    assert (await warehouse.post(path, files=files[:1])).status_code == 404
    leader = _client((await tokens.create(actors['leader'], 't'))[1])           # view only
    assert (await leader.get(f'{path}/{sha}')).status_code == 200
    assert (await leader.post(path, files=files[:1])).status_code == 403
    assert (await cs.get(f'{path}/{"ef" * 32}')).status_code == 404            # not a file of this cell


async def test_an_oversized_file_is_cut_off_while_it_streams(engine, actors):
    row = await _new_return(actors['cs'])
    cs = _client((await tokens.create(actors['cs'], 't'))[1])
    sent = {'bytes': 0}
    boundary = 'XyZ'

    async def body():
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="huge.png"\r\n'
               f'Content-Type: image/png\r\n\r\n').encode()
        for _ in range(64):                                    # 64 MiB if it were all read; the limit is 10 MB
            sent['bytes'] += 1 << 20
            yield b'\0' * (1 << 20)
        yield f'\r\n--{boundary}--\r\n'.encode()
    answer = await cs.post(f'/registers/returns/rows/{row["id"]}/files/photos', content=body(),
                           headers={'Content-Type': f'multipart/form-data; boundary={boundary}'})
    assert answer.status_code == 413 and 'huge.png' in answer.json()['detail']
    assert sent['bytes'] <= 12 << 20, 'the rest of the body was never read'


async def test_hidden_column_refused_and_files_follow_the_row_to_the_bin(engine, actors, schema_dir):
    row = await _new_return(actors['cs'])
    incoming = [records.attach.Incoming(name='SKU1-a.png', path=None, size=0)]
    tmp = engine.settings.data_dir / 'in.png'
    tmp.write_bytes(png())
    incoming[0].path, incoming[0].size = tmp, tmp.stat().st_size
    outcome = await records.attach.attach(actors['cs'], 'returns', row['id'], 'photos', incoming)
    sha = outcome.added[0]['sha256']
    hidden = actors['analyst'].__class__(username='analyst', display_name='x', roles=('analyst',))
    from dataclasses import replace

    from portal.runtime import rt
    catalog = rt().catalog
    role = catalog.roles['analyst']
    part = role.registers['returns']
    rt().catalog = replace(catalog, roles={**catalog.roles, 'analyst': replace(role, registers={
        **role.registers, 'returns': replace(part, hidden=part.hidden | {'photos'})})})
    try:
        with pytest.raises(NotFound):
            await records.attach.open_file(hidden, 'returns', row['id'], 'photos', sha)
    finally:
        rt().catalog = catalog
    with pytest.raises(ValidationFailed):          # a forged reference is not a file of the cell
        await records.update_row(actors['cs'], 'returns', row['id'], {'photos': [{'sha256': 'ef' * 32}]},
                                 version=outcome.row['version'])
    await records.delete_rows(actors['cs'], 'returns', [row['id']])
    assert await records.attach.sweep(grace_hours=0) == 0          # a row in the bin keeps its files
    assert blobs.exists(sha)
    await records.restore_rows(actors['cs'], 'returns', [row['id']])
    current = await records.get_row(actors['cs'], 'returns', row['id'])
    await records.update_row(actors['cs'], 'returns', row['id'], {'photos': None}, version=current['version'])
    assert await records.attach.sweep(grace_hours=1) == 0          # removed just now: kept for an undo
    assert await records.attach.sweep(grace_hours=0) == 1 and not blobs.exists(sha)
    with pytest.raises(PermissionDenied):
        await records.attach.attach(actors['leader'], 'returns', row['id'], 'photos', incoming)


async def test_file_names_rule_names_the_bad_file(engine, actors):
    from portal.rules.files import FileNames
    from portal.runtime import rt
    register = rt().catalog.register('returns')
    kind = FileNames()
    rule = type('Rule', (), {'clause': 'cs.aftersales.14', 'message': '', 'message_en': '', 'when': None})()
    p = kind.params(field='photos', prefix='sku')
    row = {'sku': 'SKU1', 'photos': [{'sha256': 'ab' * 32, 'name': 'sku1-front.png'},
                                     {'sha256': 'cd' * 32, 'name': 'IMG_0001.png'}]}
    problems = kind.evaluate(register, rule, p, row, None)
    assert len(problems) == 1 and 'IMG_0001.png' in problems[0].message('zh') and \
        'IMG_0001.png' in problems[0].message('en')
    assert kind.evaluate(register, rule, p, {**row, 'photos': row['photos'][:1]}, None) == []


async def test_malformed_bodies_are_refused_not_crashed(engine, actors):
    row = await _new_return(actors['cs'])
    cs = _client((await tokens.create(actors['cs'], 't'))[1])
    path = f'/registers/returns/rows/{row["id"]}/files/photos'
    assert (await cs.post(path, content=b'{}', headers={'Content-Type': 'application/json'})).status_code == 400
    garbled = await cs.post(path, content=b'--B\r\nnonsense\r\n\r\n\x00\x01',
                            headers={'Content-Type': 'multipart/form-data; boundary=B'})
    assert garbled.status_code in (400, 422)
    assert (await cs.post(f'/registers/returns/rows/{row["id"]}/files/buyer', files=[('f', ('a.png', png()))])
            ).status_code == 400                                     # not an attachment field
    assert (await cs.post('/registers/returns/rows/999999/files/photos', files=[('f', ('a.png', png()))])
            ).status_code == 404


async def test_undo_and_redo_bring_files_back_and_away(engine, actors, tmp_path):
    from portal.records import undo
    row = await _new_return(actors['cs'])
    path = tmp_path / 'p.png'
    path.write_bytes(png())
    outcome = await records.attach.attach(actors['cs'], 'returns', row['id'], 'photos',
                                          [records.attach.Incoming('SKU1-x.png', path, path.stat().st_size)])
    await records.update_row(actors['cs'], 'returns', row['id'], {'photos': []}, version=outcome.row['version'])
    assert not (await records.get_row(actors['cs'], 'returns', row['id'])).get('photos')
    await undo.undo(actors['cs'], 'returns')                     # the removal undone: the file is back
    assert (await records.get_row(actors['cs'], 'returns', row['id']))['photos'] == outcome.added
    await undo.redo(actors['cs'], 'returns')
    assert not (await records.get_row(actors['cs'], 'returns', row['id'])).get('photos')


async def test_file_names_rule_declared_in_a_schema_with_when(engine, actors, schema_dir):
    """Declared like any rule: in the rows its `when` holds for, a photo not named by the 货号 is refused, naming it."""
    from portal import boot
    path = schema_dir / 'registers' / 'returns.toml'
    path.write_text(path.read_text() + '\n[[rules]]\nkind = "file_names"\nfield = "photos"\nprefix = "sku"\n'
                    'when = { reason = "物流破损" }\nclause = "cs.aftersales.14"\n')
    assert await boot.reload_schemas(announce=False) == []
    tmp = schema_dir / 'x.png'
    tmp.write_bytes(png())

    def photo(name):
        return [records.attach.Incoming(name, tmp, tmp.stat().st_size)]
    row = await _new_return(actors['cs'])
    with pytest.raises(ValidationFailed) as err:
        await records.attach.attach(actors['cs'], 'returns', row['id'], 'photos', photo('IMG_0001.png'))
    assert 'IMG_0001.png' in err.value.problems[0].message('zh') and '货号' in err.value.problems[0].message('zh')
    assert (await records.attach.attach(actors['cs'], 'returns', row['id'], 'photos', photo('sku1-正面.png'))).added
    other = await _new_return(actors['cs'], order_no='T-9002', reason='七天无理由')     # the rule does not apply
    assert (await records.attach.attach(actors['cs'], 'returns', other['id'], 'photos', photo('IMG_0001.png'))).added
    bad = (schema_dir / 'registers' / 'returns.toml')
    bad.write_text(bad.read_text().replace('field = "photos"\nprefix', 'field = "buyer"\nprefix'))
    problems = await boot.reload_schemas(announce=False)
    assert any('S263' in str(p) and "'buyer' is not an attachment field" in str(p) for p in problems)


async def test_export_links_re_import_as_unchanged(engine, actors, tmp_path):
    from portal.excel import export, importer
    from portal.store.query import RowQuery
    row = await _new_return(actors['cs'])
    await _new_return(actors['cs'], order_no='T-9002')                   # a row without photos
    for i, color in enumerate([(10, 10, 10), (200, 200, 200)]):
        path = tmp_path / f'{i}.png'
        path.write_bytes(png(color))
        await records.attach.attach(actors['cs'], 'returns', row['id'], 'photos',
                                    [records.attach.Incoming(f'SKU1-{i}.png', path, path.stat().st_size)])
    for fmt in ('xlsx', 'csv'):
        out = tmp_path / f'returns.{fmt}'
        await export.export(actors['cs'], 'returns', RowQuery(sort=[{'colId': 'id', 'sort': 'asc'}]), out, fmt=fmt)
        if fmt == 'csv':
            assert f'/files/returns/{row["id"]}/photos/' in out.read_text(encoding='utf-8-sig')
        plan = await importer.plan_import(actors['cs'], 'returns', out, out.name)
        assert plan.ok, [p.text() for p in plan.problems] + plan.file_problems
        assert not plan.creates and (plan.unchanged, len(plan.updates)) == (2, 0), (plan.unchanged, len(plan.updates))
        await importer.apply_import(actors['cs'], plan)
        assert len((await records.get_row(actors['cs'], 'returns', row['id']))['photos']) == 2


async def test_a_shared_files_folder_and_atomic_writes(engine, tmp_path):
    from portal.runtime import rt
    settings = rt().settings
    settings.files_dir = tmp_path / 'shared'
    try:
        data = png()
        import hashlib
        sha = hashlib.sha256(data).hexdigest()
        path = blobs.put_bytes(sha, data)
        assert path == tmp_path / 'shared' / sha[:2] / sha[2:4] / sha and path.read_bytes() == data
        assert blobs.put_bytes(sha, data) == path                      # the same bytes again: one file
        assert [p.name for p in path.parent.iterdir()] == [sha]        # no temporary file left beside it
    finally:
        settings.files_dir = None


async def test_a_photo_can_be_required_in_a_state(engine, actors, schema_dir):
    """An attachment with no files is empty, so the ordinary required_if rule asks for a photo in a state."""
    from portal import boot
    path = schema_dir / 'registers' / 'returns.toml'
    path.write_text(path.read_text() + '\n[[rules]]\nkind = "required_if"\nfield = "photos"\n'
                    'when = { reason = "物流破损", status = ["待寄回", "已收货", "已退款", "已换货", "已完结"] }\n'
                    'clause = "cs.aftersales.14"\n')
    assert await boot.reload_schemas(announce=False) == []
    row = await _new_return(actors['cs'], meets_policy=True)            # 已受理: no photo needed yet
    row = await records.set_check(actors['manager'], 'returns', row['id'], 'policy_checked', True,
                                  version=row['version'])
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(actors['manager'], 'returns', row['id'], {'status': '待寄回'},
                                 version=row['version'])
    assert 'photos' in err.value.by_field()
    tmp = schema_dir / 'x.png'
    tmp.write_bytes(png())
    row = (await records.attach.attach(actors['cs'], 'returns', row['id'], 'photos',
                                       [records.attach.Incoming('SKU1-破损.png', tmp, tmp.stat().st_size)])).row
    moved = await records.update_row(actors['manager'], 'returns', row['id'], {'status': '待寄回'},
                                     version=row['version'])
    assert moved['status'] == '待寄回' and len(moved['photos']) == 1
