"""Page logic with NiceGUI's `user` fixture: login, navigation by role, the grid's columns per role, a cell
edit reaching the service, home queues, admin preview."""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from portal.runtime import rt
from portal.store import db

from .portal_process import PASSWORD


async def login(user: User, username: str) -> None:
    await user.open('/login')
    user.find(marker='username').type(username)
    user.find(marker='password').type(PASSWORD)
    user.find(marker='login').click()
    await user.should_see(marker='page-title', retries=50)


async def test_login_then_home_with_queues(portal_env, user: User):
    await user.open('/r/shipments')
    await user.should_see(marker='login')                 # redirected to the login page
    user.find(marker='username').type('warehouse')
    user.find(marker='password').type('wrong-password')
    user.find(marker='login').click()
    await user.should_see('用户名或密码错误', retries=50)        # argon2 runs off the event loop
    await login(user, 'warehouse')
    await user.should_see('你好,陈仓管', retries=50)
    await user.should_see(marker='queue-shipments-to_ship')
    await user.should_not_see(marker='queue-penalties-to_approve')   # a manager's queue


async def test_navigation_lists_only_permitted_registers(portal_env, user: User):
    await login(user, 'warehouse')
    for key in ('goods_receipts', 'shipments', 'attendance'):
        await user.should_see(marker=f'nav-{key}')
    await user.should_not_see(marker='nav-complaints')


async def test_grid_columns_follow_the_role(portal_env, user: User):
    await login(user, 'warehouse')
    await user.open('/r/shipments')
    grid = user.find(ui.aggrid).elements.pop()
    columns = {c['colId']: c for c in grid.options['columnDefs']}
    assert 'order_amount' not in columns                    # hidden for warehouse: not even a column
    assert columns['quantity']['editable'] is True
    assert columns['order_no']['pinned'] == 'left'
    assert columns['ship_date']['cellEditor'] == 'portalCellEditor'      # typed dates reach the server's parser
    await user.should_see(marker='add')
    await user.should_see(marker='delete')


async def test_readonly_columns_and_missing_buttons(portal_env, user: User):
    await login(user, 'ops')
    await user.open('/r/shipments')
    grid = user.find(ui.aggrid).elements.pop()
    columns = {c['colId']: c for c in grid.options['columnDefs']}
    assert columns['quantity']['editable'] is False and 'portal-readonly' in columns['quantity']['cellClass']
    assert columns['courier']['editable'] is True
    await user.should_not_see(marker='add')                 # ops may not create or delete shipments
    await user.should_not_see(marker='delete')


async def test_cell_edit_goes_through_the_service(portal_env, user: User):
    await login(user, 'warehouse')
    await user.open('/r/shipments')
    row = (await db.row_model('shipments').all().order_by('id').limit(1).values())[0]
    user.find(ui.aggrid).trigger('cellValueChanged', {'source': 'edit', 'colId': 'quantity', 'newValue': 9, 'oldValue': 1,
                                      'data': {'id': row['id'], '_v': row['version']}})
    await user.should_see(marker='grid')
    for _ in range(50):
        fresh = (await db.row_model('shipments').filter(id=row['id']).values('quantity', 'version'))[0]
        if fresh['version'] > row['version']:
            break
        await __import__('asyncio').sleep(0.05)
    assert fresh == {'quantity': 9, 'version': row['version'] + 1}


async def test_no_access_page(portal_env, user: User):
    await login(user, 'warehouse')
    await user.open('/r/complaints')
    await user.should_see(marker='no-access')


async def test_admin_view_as_role(portal_env, user: User):
    await login(user, 'admin')
    await user.open('/admin')
    user.find(marker='view-as').elements.pop().value = 'warehouse'
    user.find(marker='view-as-go').click()
    await user.should_see(marker='preview-badge', retries=50)
    await user.should_not_see(marker='nav-complaints')
    await user.should_see(marker='nav-shipments')
    assert rt().catalog.roles['warehouse']


async def test_clauses_are_cited_by_document_and_heading(portal_env, user: User):
    await login(user, 'manager')
    await user.open('/r/shipments')
    await user.should_see('《仓储管理制度》发货 1')              # the first clause of a document: with its title
    await user.should_see('发货 2')                              # the next ones of the same document: heading only
    await user.should_not_see('storage.shipping.1')
    await user.open('/r/penalties')
    grid = user.find(ui.aggrid).elements.pop()
    column = next(c for c in grid.options['columnDefs'] if c['colId'] == 'clause')
    catalog = rt().catalog
    assert column['refData']['penalty.authority'] == catalog.clause_label('penalty.authority')
    assert column['refData']['penalty.authority'].startswith('《') and '》' in column['refData']['penalty.authority']
    assert catalog.clauses['penalty.authority'].text[:20] in column[':tooltipValueGetter']
    assert catalog.clause_label('nope.nothing') == 'nope.nothing'
    assert catalog.clause_label('storage.shipping.1', 'en').endswith('· 发货 1')


async def test_settings_change_own_password(portal_env, user: User):
    await login(user, 'staff')
    await user.open('/settings')
    user.find(marker='password-current').type(PASSWORD)
    user.find(marker='password-new').type('my-own-pass-1')
    user.find(marker='password-repeat').type('my-own-pass-2')
    user.find(marker='password-change').click()
    await user.should_see('两次输入的新密码不一致')
    user.find(marker='password-repeat').clear().type('my-own-pass-1')
    user.find(marker='password-change').click()
    await user.should_see('密码已修改', retries=50)            # two argon2 hashes take a moment
    from portal.people import users
    assert (await users.authenticate('staff', 'my-own-pass-1')).username == 'staff'


async def test_admin_creates_a_user_and_cannot_lock_everyone_out(portal_env, user: User):
    await login(user, 'admin')
    await user.open('/admin')
    user.find(marker='new-username').type('qa_user')
    user.find(marker='new-name').type('质检员')
    user.find(marker='new-password').type('qa-pass-2026')
    user.find(marker='create-user').click()
    await user.should_see('已创建用户 qa_user', retries=50)     # an argon2 hash takes a moment
    await user.should_see(marker='user-qa_user')                    # listed without reloading the page
    user.find(marker='active-admin').elements.pop().value = False
    await user.should_see('停用')
    user.find(marker='save-admin').click()
    await user.should_see('不能停用自己的账号', retries=50)
    from portal.store.models import User as UserModel
    assert (await UserModel.get(username='admin')).active
    assert (await UserModel.get(username='qa_user')).roles == ['staff']


async def test_change_log_reads_in_titles_and_refuses_staff_without_a_form(portal_env, user: User):
    await login(user, 'manager')
    row = (await db.row_model('shipments').all().order_by('id').limit(1).values())[0]
    from portal import records
    from portal.people import users
    manager = await users.get_actor('manager')
    await records.update_row(manager, 'shipments', row['id'], {'gift': '小样'}, version=row['version'])
    await user.open('/changes?register=shipments')
    table = user.find(marker='log-table').elements.pop()
    mine = [r for r in table.rows if r['row'] == f'发货登记 #{row["id"]}' and r['field'] == '赠品']
    assert mine and mine[0]['change'].endswith('→ 小样') and mine[0]['actor'] == '王经理'
    await user.open('/logout')
    await login(user, 'staff')
    await user.open('/changes')
    await user.should_see(marker='log-error')
    await user.should_not_see(marker='log-search')


def test_a_cell_message_names_its_column_once():
    from portal.ui.texts import name_once
    assert name_once('数量', '0 小于最小值 1', 'zh') == '「数量」0 小于最小值 1'
    rule = '「金额(元)」为 ¥300.00,超出部门处罚权限(50–200)'
    assert name_once('金额(元)', rule, 'zh') == rule                   # the rule names it already
    assert name_once('Amount (CNY)', '"Amount (CNY)" is 300', 'en') == '"Amount (CNY)" is 300'
    assert name_once('Quantity', 'below 1', 'en') == '"Quantity": below 1'


async def test_settled_rows_offer_no_cell_to_edit(portal_env, user: User):
    """An effective penalty keeps its cells: the grid does not open them (the service refuses them anyway); the
    status stays open for its moves (撤销) and the employee's acknowledgement stays open."""
    await login(user, 'manager')
    await user.open('/r/penalties')
    grid = user.find(ui.aggrid).elements.pop()
    columns = {c['colId']: c for c in grid.options['columnDefs']}
    assert 'editable' not in columns['amount'] and '"已生效"' in columns['amount'][':editable']
    assert columns['status']['editable'] is True and columns['acknowledged']['editable'] is True


async def test_manager_drafts_a_penalty_for_a_serious_absence_attendance_absence(portal_env, user: User):
    """旷工半天以上视为严重违反公司制度 (attendance.absence): the manager's home lists absences of half a day or more
    and one click drafts a penalty citing the clause."""
    await login(user, 'manager')
    await user.should_see('旷工半天以上(严重违反公司制度)', retries=50)
    before = await db.row_model('penalties').filter(clause='attendance.absence', status='草稿').count()
    first = min(user.find(marker='serious-draft').elements, key=lambda e: e.id)
    user.find(marker=next(m for m in first._markers if m != 'serious-draft')).click()
    await user.should_see('已起草处罚', retries=50)
    after = await db.row_model('penalties').filter(clause='attendance.absence', status='草稿').count()
    assert after == before + 1


async def test_staff_home_offers_the_punch_buttons_attendance_signin(portal_env, user: User):
    await login(user, 'staff')
    await user.should_see(marker='punch-card', retries=50)
    user.find(marker='punch-in').click()
    await user.should_see('已签到', retries=50)
    row = await db.row_model('attendance').filter(employee='staff', date=rt().today()).first().values()
    assert row['sign_in'] is not None and row['sign_out'] is None
