"""In a real browser: export downloads an .xlsx of the current view; the import dialog previews a file with a bad
cell and offers the marked file back; two deleted rows come back from the recycle bin; a row's history opens."""
from __future__ import annotations

import urllib.request

from openpyxl import Workbook, load_workbook

from .. import hostile


def test_export_download_of_the_current_view(session_factory, tmp_path, portal_dir):
    s = session_factory('manager')
    s.open('/r/shipments')
    s.grid_api("(api.ensureColumnVisible('platform'), 1)")
    s.page.locator('.ag-header-cell[col-id="platform"] .ag-header-cell-filter-button, '
                   '.ag-header-cell[col-id="platform"] .ag-header-icon').first.click()
    s.page.locator('.portal-set-filter label', has_text='京东').click()
    s.page.keyboard.press('Escape')
    s.page.wait_for_timeout(800)
    s.grid_api("(api.moveColumns(['quantity'], 2), 1)")      # before 发货日期; 订单号 stays pinned left
    s.page.get_by_role('button', name='导出').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='导出当前视图')
    with s.page.expect_download() as info:
        dialog.get_by_role('button', name='开始导出').click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.startswith('发货登记-') and path.suffix == '.xlsx'
    sheet = load_workbook(path)['shipments']
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ['订单号', '数量']                  # in the file as on the screen
    column = headers.index('平台')
    values = {row[column].value for row in sheet.iter_rows(min_row=2)}
    assert values == {'京东'}
    dialog.filter(has_text='已导出').wait_for()
    s.shot('excel-export-done')
    for _ in range(100):                       # the work file goes once it was sent (a task after the response)
        if not list((portal_dir / 'exports').iterdir()):
            break
        s.page.wait_for_timeout(100)
    assert list((portal_dir / 'exports').iterdir()) == []


def test_import_dialog_preview_and_marked_file(session_factory, tmp_path, portal_dir):
    s = session_factory('cs')
    s.open('/r/complaints')
    book = Workbook()
    sheet = book.active
    sheet.append(['投诉编号', '客户', '投诉类别', '投诉内容'])
    sheet.append(['TS20261127-9001', '赵敏', '物流', '三天未发货'])
    sheet.append(['TS20261127-9002', '钱多多', '快递', '送错地址'])       # 快递 is not a category
    path = tmp_path / '投诉导入.xlsx'
    book.save(path)
    s.page.get_by_role('button', name='导入').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='导入 Excel / CSV')
    with s.page.expect_file_chooser() as chooser:
        dialog.locator('.q-uploader__input, input[type=file]').first.evaluate('e => e.click()')
    chooser.value.set_files(str(path))
    dialog.get_by_text('新增 1 行,更新 0 行,无变化 0 行,错误 1 处').wait_for()
    dialog.get_by_text('"快递" 不在可选项中').wait_for()        # the virtual-scroll table renders a tick later
    s.shot('excel-import-preview')
    with s.page.expect_download() as info:
        dialog.get_by_role('button', name='下载标注了错误的文件').click()
    marked = tmp_path / 'marked.xlsx'
    info.value.save_as(marked)
    cell = load_workbook(marked).active['C3']
    assert cell.comment is not None and '不在可选项中' in cell.comment.text
    assert dialog.get_by_role('button', name='导入', exact=True).is_disabled() is False   # valid-only is possible
    assert len(list((portal_dir / 'uploads').iterdir())) == 1     # kept for the preview (and its marked copy)
    dialog.get_by_text('只导入没有错误的行').click()
    dialog.get_by_role('button', name='导入', exact=True).click()
    s.page.locator('#portal-message-complaints').filter(has_text='已导入:新增 1 行').wait_for()
    s.page.wait_for_timeout(300)
    assert list((portal_dir / 'uploads').iterdir()) == []          # and deleted when the dialog is done


def test_import_dialog_says_why_it_refuses_a_file_type(session_factory, tmp_path):
    """The uploader's type filter refuses an .xlsm before it is sent: the dialog says so (it used to stay silent),
    and states how rows are matched and what blank cells do."""
    s = session_factory('warehouse')
    s.open('/r/shipments')
    s.page.get_by_role('button', name='导入').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='导入 Excel / CSV')
    dialog.get_by_text('空白单元格:新记录取默认值,已有记录保留原值').wait_for()
    macro = tmp_path / '宏.xlsm'
    macro.write_bytes(b'PK\x03\x04 not really a workbook')
    with s.page.expect_file_chooser() as chooser:
        dialog.locator('.q-uploader__input, input[type=file]').first.evaluate('e => e.click()')
    chooser.value.set_files(str(macro))
    dialog.get_by_text('只能导入 .xlsx 或 .csv 文件').wait_for()
    s.shot('excel-import-refused-type')


def test_import_dialog_refuses_the_corner_cell_file_and_the_server_lives_on(session_factory, tmp_path, portal_url,
                                                                             portal_dir):
    """The 1.6 KB sheet with cells at A1 and XFD1048576 used to make the reader allocate 550 GB and abort the
    whole server: the dialog now says which limit it breaks, nothing is kept, and the server answers on."""
    s = session_factory('warehouse')
    s.open('/r/shipments')
    s.page.get_by_role('button', name='导入').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='导入 Excel / CSV')
    corner = hostile.xfd_corner(tmp_path)
    with s.page.expect_file_chooser() as chooser:
        dialog.locator('.q-uploader__input, input[type=file]').first.evaluate('e => e.click()')
    chooser.value.set_files(str(corner))
    refusal = dialog.locator('.text-red-8').filter(has_text='XFD1048576')
    refusal.wait_for()
    assert '超出导入上限:最多 200,000 行数据' in refusal.inner_text()
    s.shot('excel-import-refused-corner-cell')
    assert urllib.request.urlopen(f'{portal_url}/healthz', timeout=30).status == 200
    assert list((portal_dir / 'uploads').iterdir()) == []
    s.open('/r/shipments')                     # and the page still works for the same user


def test_recycle_bin_restore_and_history(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    ids = s.grid_api('[6,7].map(i => api.getDisplayedRowAtIndex(i).data.id)')
    s.tick(*ids)
    s.page.get_by_role('button', name='删除').first.click()
    s.page.locator('.q-dialog').get_by_role('button', name='删除').click()
    s.page.get_by_text('已删除 2 条').wait_for()
    s.page.wait_for_function(f'''() => !portalGrid.api(portalGrid.state.goods_receipts.gridId).getRowNode('{ids[0]}')''')
    s.page.get_by_role('button', name='回收站').click()
    bin_dialog = s.page.locator('.q-dialog').filter(has_text='回收站')
    bin_dialog.get_by_text(f'#{ids[0]}').wait_for()
    s.shot('history-recycle-bin')
    bin_dialog.locator(f'[data-testid="bin-batch-{ids[0]}"], .q-btn', has_text='恢复整批').first.click()
    s.page.get_by_text('已恢复 2 条').wait_for()
    bin_dialog.get_by_role('button', name='关闭').click()
    s.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.goods_receipts.gridId).getRowNode('{ids[1]}')''')
    s.tick(ids[0])
    for other in ids[1:]:
        box = s.page.locator(f'.ag-pinned-left-cols-container .ag-row[row-id="{other}"] input[type=checkbox]')
        if box.is_checked():
            box.uncheck()
    s.page.get_by_role('button', name='历史').click()
    history = s.page.locator('.q-dialog').filter(has_text=f'记录 #{ids[0]} 的历史')
    history.wait_for()
    text = history.inner_text()
    assert '删除' in text and '恢复' in text and '陈仓管' in text
    s.shot('history-row-timeline')
