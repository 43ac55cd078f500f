"""商品图片 of a listing, in a real browser: a designer drops three photos named by the 货号 on the form's upload
area, sees them as thumbnails in the form and in the grid, opens the large preview; a photo not named by the 货号
(美工管理制度 9) is refused by name while the good one dropped with it is kept; an SVG and a text file named .png
are refused, each with its reason, and nothing of them is stored."""
from __future__ import annotations

from .files import drop_files, png_bytes
from .test_sheet import api_rows

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=1</script></svg>'
LOADED = '''(sel) => [...document.querySelectorAll(sel)].filter(i => i.complete && i.naturalWidth > 0).length'''


def test_three_photos_named_by_the_sku_are_dropped_and_the_misnamed_ones_refused(session_factory):
    s = session_factory('designer')
    s.open('/r/listings')
    row_id = s.first_row_id()
    row = next(r for r in api_rows(s, 'listings', {'limit': 1000}) if r['id'] == row_id)
    sku = row['sku']
    before = len(row.get('photos') or [])
    s.show_cell(row_id, 'sku').click()
    s.page.get_by_role('button', name='打开').first.click()
    dialog = s.page.locator('.q-dialog').filter(has_text=f'#{row_id}')
    dialog.locator('.portal-files-upload').wait_for()
    names = [f'{sku}-主图.png', f'{sku}-细节1.png', f'{sku}-细节2.png']
    drop_files(s.page, '.q-dialog .portal-files-upload',
               [(n, png_bytes(c), 'image/png') for n, c in zip(names, [(200, 60, 60), (60, 150, 60), (60, 90, 210)])])
    s.page.locator('.q-notification').filter(has_text='已上传 3 个文件').first.wait_for()
    s.page.wait_for_function(f'() => ({LOADED})(".q-dialog .portal-file-thumb img") === {before + 3}')
    s.show_cell(row_id, 'photos')
    s.page.wait_for_function(f'''() => ({LOADED})('.ag-row[row-id="{row_id}"] [col-id="photos"] img') >= 3''')
    s.shot('listing-photos-thumbnails')

    dialog.locator('.portal-file-thumb').nth(before).click()
    s.page.wait_for_function('''() => { const i = document.querySelector('.portal-file-preview img');
        return i && i.complete && i.naturalWidth === 120; }''')
    s.shot('listing-photo-preview')
    s.page.locator('.q-dialog').filter(has=s.page.locator('.portal-file-preview')).get_by_role(
        'button', name='关闭').click()
    s.page.locator('.portal-file-preview').wait_for(state='detached')

    drop_files(s.page, '.q-dialog .portal-files-upload',              # one good, one not named by the 货号
               [(f'{sku}-细节3.png', png_bytes((90, 90, 90)), 'image/png'), ('IMG_0001.png', png_bytes(), 'image/png')])
    s.page.locator('.q-notification').filter(has_text='已上传 1 个文件').first.wait_for()
    refused = dialog.locator('.portal-files-refused')
    refused.filter(has_text='IMG_0001.png 不符').wait_for()             # the file_names rule's words, naming it
    assert '文件名须以「货号」' in refused.inner_text()
    drop_files(s.page, '.q-dialog .portal-files-upload',
               [(f'{sku}-x.svg', SVG, 'image/svg+xml'), (f'{sku}-伪装.png', b'plain text', 'image/png')])
    refused.filter(has_text=f'不是图片文件:{sku}-伪装.png').wait_for()
    assert f'不接受这种文件:{sku}-x.svg' in refused.inner_text()
    s.shot('listing-photos-refused')
    assert not s.page.evaluate('window.__pwned === 1')
    photos = next(r for r in api_rows(s, 'listings', {'limit': 1000}) if r['id'] == row_id)['photos']
    assert [p['name'] for p in photos][before:] == [*names, f'{sku}-细节3.png']     # only those named by the 货号
