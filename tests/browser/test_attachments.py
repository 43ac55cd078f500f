"""Photos of a return, in a real browser: three PNGs dropped on the form's upload area become thumbnails in the form
and in the grid cell, a click shows the large image; an SVG and a text file named .png are refused by name."""
from __future__ import annotations

import base64

from .files import drop_files, png_bytes
from .test_sheet import api_rows

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1"><script>window.__pwned=1</script></svg>'


def test_drop_photos_on_a_return_see_thumbnails_and_refusals(session_factory):
    s = session_factory('cs')
    s.open('/r/returns')
    row_id = s.first_row_id()
    assert not next(r for r in api_rows(s, 'returns', {'limit': 100}) if r['id'] == row_id).get('photos')
    s.show_cell(row_id, 'order_no').click()
    s.page.get_by_role('button', name='打开').first.click()
    dialog = s.page.locator('.q-dialog').filter(has_text=f'#{row_id}')
    dialog.locator('.portal-files-upload').wait_for()
    colors = [(220, 60, 60), (60, 160, 60), (60, 90, 220)]
    drop_files(s.page, '.q-dialog .portal-files-upload',
               [(f'破损-{i}.png', png_bytes(c), 'image/png') for i, c in enumerate(colors)])
    s.page.locator('.q-notification').filter(has_text='已上传 3 个文件').first.wait_for()
    thumbs = dialog.locator('img.portal-file-thumb, .portal-file-thumb img')
    thumbs.nth(2).wait_for()
    s.page.wait_for_function('''() => [...document.querySelectorAll('.q-dialog .portal-file-thumb img')]
        .filter(i => i.complete && i.naturalWidth > 0).length === 3''')
    cell = s.show_cell(row_id, 'photos')
    cell.locator('img').nth(2).wait_for()
    s.page.wait_for_function(f'''() => [...document.querySelectorAll(
        '.ag-row[row-id="{row_id}"] [col-id="photos"] img')].filter(i => i.complete && i.naturalWidth > 0).length
        === 3''')
    s.shot('attachments-thumbnails')

    dialog.locator('.portal-file-thumb').first.click()
    preview = s.page.locator('.portal-file-preview img')
    preview.wait_for()
    s.page.wait_for_function('''() => { const i = document.querySelector('.portal-file-preview img');
        return i && i.complete && i.naturalWidth === 120; }''')
    s.shot('attachments-preview')
    s.page.locator('.q-dialog').filter(has=s.page.locator('.portal-file-preview')).get_by_role(
        'button', name='关闭').click()
    s.page.locator('.portal-file-preview').wait_for(state='detached')

    drop_files(s.page, '.q-dialog .portal-files-upload',
               [('x.svg', SVG, 'image/svg+xml'), ('伪装.png', b'this is plain text, not a picture', 'image/png')])
    refused = dialog.locator('.portal-files-refused')
    refused.filter(has_text='不是图片文件:伪装.png').wait_for()
    assert '不接受这种文件:x.svg' in refused.inner_text()
    s.shot('attachments-refused')
    assert not s.page.evaluate('window.__pwned === 1')
    photos = next(r for r in api_rows(s, 'returns', {'limit': 100}) if r['id'] == row_id)['photos']
    assert [p['name'] for p in photos] == ['破损-0.png', '破损-1.png', '破损-2.png']
    assert s.page.evaluate(f'''async () => (await fetch('/files/returns/{row_id}/photos/{photos[0]['sha256']}'))
        .headers.get('x-content-type-options')''') == 'nosniff'

    dialog.locator('.portal-file-remove').first.click()               # a removal is an edit, saved with the form
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    s.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.returns.gridId).getRowNode('{row_id}')
        .data.photos.length === 2''')
    sent = s.page.evaluate(f'''async (data) => {{ const form = new FormData();
        form.append('f', new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], '补拍.png',
                                  {{type: 'image/png'}}));
        const r = await fetch('/grid/returns/rows/{row_id}/files/photos', {{method: 'POST', body: form}});
        return [r.status, await r.json()]; }}''', base64.b64encode(png_bytes((240, 200, 0))).decode())
    assert sent[0] == 200 and [p['name'] for p in sent[1]['row']['photos']] == ['破损-1.png', '破损-2.png', '补拍.png']
