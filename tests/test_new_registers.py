"""The department's further registers through the records service on a real database: stock derived from the
warehouse registers (a source row changes → the stock changes, in the same transaction), links back from a row,
approvals that must precede an effective date (prices, promotions), the next shift's acknowledgement, the cashback
that only operations pays and only after customer service verified the review, new goods listed within three days
of arrival with five or more selling points (商品上新登记)."""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import records
from portal.errors import PermissionDenied, ValidationFailed
from portal.records import undo
from portal.store import db
from portal.store.query import RowQuery

SKU = 'A1234-56'


async def _move(actor, key: str, row: dict, state: str, checks: tuple[str, ...] = (), **values) -> dict:
    """Tick the checklist items the move needs, then change the state (and any values) in one save."""
    for item in checks:
        row = await records.set_check(actor, key, row['id'], item, True, version=row['version'])
    return await records.update_row(actor, key, row['id'], {'status': state, **values}, version=row['version'])


async def _stock(actors, sku: str = SKU) -> dict:
    rows = await records.list_rows(actors['manager'], 'stock_items', RowQuery(where={'sku': sku}, limit=5))
    assert len(rows) == 1
    return rows[0]


async def _receipt(actors, quantity: int, sku: str = SKU, no: str = '001') -> dict:
    row = await records.create_row(actors['warehouse'], 'goods_receipts', {
        'receipt_no': f'RK20261127-{no}', 'supplier': '杭州织美服饰厂', 'sku': sku, 'product_name': 'T恤',
        'quantity': str(quantity), 'inspection': '合格'})
    return await _move(actors['warehouse'], 'goods_receipts', row, '已入库', ('inspected', 'shelved'))


async def _shipment(actors, quantity: int, order: str = 'TM-1', sku: str = SKU) -> dict:
    row = await records.create_row(actors['warehouse'], 'shipments', {
        'order_no': order, 'platform': '天猫', 'sku': sku, 'quantity': str(quantity)})
    return await _move(actors['warehouse'], 'shipments', row, '已打包', ('sorted_logged', 'remark_checked'))


async def test_stock_on_hand_follows_every_write_of_its_sources(engine, actors):
    item = await records.create_row(actors['warehouse'], 'stock_items',
                                    {'sku': SKU, 'product_name': 'T恤', 'reorder_level': '20'})
    assert (await _stock(actors))['on_hand'] == 0 and (await _stock(actors))['needs_reorder'] is True
    receipt = await _receipt(actors, 50)
    assert (await _stock(actors))['on_hand'] == 50
    shipment = await _shipment(actors, 5)
    assert (await _stock(actors))['on_hand'] == 45
    shipment = await records.update_row(actors['warehouse'], 'shipments', shipment['id'], {'quantity': '8'},
                                        version=shipment['version'])          # a source row changes…
    assert (await _stock(actors))['on_hand'] == 42                            # …and the derived value with it
    receipt = await records.update_row(actors['warehouse'], 'goods_receipts', receipt['id'],
                                       {'inspection': '部分不合格', 'reject_quantity': '10', 'reject_handling': '退货'},
                                       version=receipt['version'])
    assert (await _stock(actors))['on_hand'] == 32                            # rejects are not stock
    await records.update_row(actors['warehouse'], 'stock_items', item['id'], {'reorder_level': '32'},
                             version=item['version'])
    assert (await _stock(actors))['needs_reorder'] is True                    # at the level counts as low
    queue = await records.list_rows(actors['warehouse'], 'stock_items', RowQuery(queue='to_reorder', limit=10))
    assert [r['sku'] for r in queue] == [SKU]
    await records.delete_rows(actors['warehouse'], 'goods_receipts', [receipt['id']])
    assert (await _stock(actors))['on_hand'] == -8                            # a deleted receipt no longer counts
    await records.restore_rows(actors['warehouse'], 'goods_receipts', [receipt['id']])
    assert (await _stock(actors))['on_hand'] == 32
    moved = await records.update_row(actors['warehouse'], 'shipments', shipment['id'], {'sku': 'B0001-01'},
                                     version=shipment['version'])              # the old key is recomputed too
    assert (await _stock(actors))['on_hand'] == 40
    await undo.undo(actors['warehouse'], 'shipments')                          # undo takes the same path
    assert (await _stock(actors))['on_hand'] == 32 and moved['sku'] == 'B0001-01'


async def test_stock_is_never_typed_and_a_new_item_starts_from_its_movements(engine, actors):
    await _receipt(actors, 30)
    await _shipment(actors, 2)
    with pytest.raises(PermissionDenied):                                     # nobody types the stock
        await records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤',
                                                                      'on_hand': '999'})
    item = await records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤'})
    assert item['on_hand'] is None and (await _stock(actors))['on_hand'] == 28    # derived at once
    with pytest.raises(PermissionDenied):
        await records.update_row(actors['manager'], 'stock_items', item['id'], {'on_hand': '5'},
                                 version=item['version'])
    assert (await _stock(actors))['on_hand'] == 28
    returned = await records.create_row(actors['cs'], 'returns', {
        'order_no': 'TM-1', 'buyer': '王芳', 'return_type': '退货', 'reason': '尺码不合适', 'sku': SKU, 'quantity': '2'})
    assert (await _stock(actors))['on_hand'] == 28                            # not back on the shelf yet
    await records.update_row(actors['manager'], 'returns', returned['id'], {'received_inspected': 'true'},
                             version=returned['version'])
    assert (await _stock(actors))['on_hand'] == 30
    assert await records.refresh_derived() == 0                               # nothing drifted


async def test_links_are_shown_both_ways(engine, actors):
    receipt = await _receipt(actors, 40)
    item = await records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤'})
    request = await records.create_row(actors['warehouse'], 'replenishments', {
        'request_no': 'BH20261127-001', 'item': f'#{item["id"]}', 'quantity': '100'})
    request = await _move(actors['warehouse'], 'replenishments', request, '已通知生产线', production_line='杭州织美')
    with pytest.raises(ValidationFailed) as err:          # arrived needs the receipt it arrived with
        await _move(actors['warehouse'], 'replenishments', request, '已到货')
    assert 'receipt' in err.value.by_field()
    await records.update_row(actors['warehouse'], 'replenishments', request['id'],
                             {'status': '已到货', 'receipt': f'#{receipt["id"]}'}, version=request['version'])
    from_item = {link['register']: link for link in await records.linked_rows(actors['warehouse'], 'stock_items',
                                                                             item['id'])}
    assert from_item['goods_receipts']['count'] == 1 and from_item['goods_receipts']['rows'][0]['id'] == receipt['id']
    assert from_item['replenishments']['rows'][0]['title'] == 'BH20261127-001'
    from_receipt = await records.linked_rows(actors['warehouse'], 'goods_receipts', receipt['id'])
    assert [(link['register'], link['count']) for link in from_receipt] == [('replenishments', 1)]
    seen = await records.linked_rows(actors['designer'], 'goods_receipts', receipt['id'])   # rights hold: no
    assert [(link['register'], link['count']) for link in seen] == [('listings', 0)]         # replenishments


PRICE = {'request_no': 'TJ20261127-001', 'sku': SKU, 'platform': '天猫', 'current_price': '199',
         'requested_price': '169', 'reason': '竞品调价'}


async def test_price_change_is_approved_by_the_leader_before_it_takes_effect(engine, actors):
    row = await records.create_row(actors['ops'], 'price_changes', {**PRICE, 'effective_date': '2026-11-30'})
    assert row['status'] == '待审批' and row['requested_by'] == 'ops'
    with pytest.raises((PermissionDenied, ValidationFailed)):              # ops cannot approve its own request
        await records.update_row(actors['ops'], 'price_changes', row['id'], {'status': '已批准'},
                                 version=row['version'])
    row = await records.set_check(actors['leader'], 'price_changes', row['id'], 'reported', True,
                                  version=row['version'])
    with pytest.raises(ValidationFailed) as err:                           # the approved price is recorded
        await records.update_row(actors['leader'], 'price_changes', row['id'], {'status': '已批准'},
                                 version=row['version'])
    assert 'approved_price' in err.value.by_field()
    approved = await records.update_row(actors['leader'], 'price_changes', row['id'],
                                        {'status': '已批准', 'approved_price': '179'}, version=row['version'])
    assert (approved['approver'], str(approved['approved_price']), approved['approved_at'].date().isoformat()) == (
        'leader', '179.00', '2026-11-27')


async def test_a_price_change_effective_before_its_approval_is_refused(engine, actors):
    row = await records.create_row(actors['ops'], 'price_changes', {**PRICE, 'effective_date': '2026-11-25'})
    row = await records.set_check(actors['leader'], 'price_changes', row['id'], 'reported', True,
                                  version=row['version'])
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(actors['leader'], 'price_changes', row['id'],
                                 {'status': '已批准', 'approved_price': '169'}, version=row['version'])
    assert '审批须在此之前完成' in err.value.by_field()['effective_date']
    assert 'must come first' in err.value.by_field('en')['effective_date']
    rejected = await records.update_row(actors['leader'], 'price_changes', row['id'], {'status': '已驳回'},
                                        version=row['version'])             # refusing it is still possible
    assert rejected['approver'] == 'leader'


PROMO = {'promo_no': 'CX20261201-01', 'name': '双12', 'platform': '天猫', 'start_date': '2026-12-01',
         'end_date': '2026-12-03', 'items': 'A1234-56', 'discount': '满300减40', 'target_sales': '50000',
         'plan_text': '预热一周'}


async def test_promotion_is_approved_before_start_and_closed_with_a_summary(engine, actors):
    row = await records.create_row(actors['promoter'], 'promotions', PROMO)
    row = await records.set_check(actors['promoter'], 'promotions', row['id'], 'plan_detailed', True,
                                  version=row['version'])
    row = await records.update_row(actors['leader'], 'promotions', row['id'], {'status': '已批准'},
                                   version=row['version'])
    row = await _move(actors['promoter'], 'promotions', row, '进行中', ('pages_updated',))
    with pytest.raises(ValidationFailed) as err:          # 12-03 has not come yet: no summary before the end
        await _move(actors['promoter'], 'promotions', row, '待总结')
    assert '还没到' in err.value.by_field()['end_date']
    row = await records.create_row(actors['promoter'], 'promotions', {
        **PROMO, 'promo_no': 'CX20261127-01', 'start_date': '2026-11-27', 'end_date': '2026-11-27'})
    row = await records.set_check(actors['promoter'], 'promotions', row['id'], 'plan_detailed', True,
                                  version=row['version'])
    row = await records.update_row(actors['leader'], 'promotions', row['id'], {'status': '已批准'},
                                   version=row['version'])
    assert row['approver'] == 'leader'
    row = await _move(actors['promoter'], 'promotions', row, '进行中', ('pages_updated',))
    row = await _move(actors['promoter'], 'promotions', row, '待总结')
    with pytest.raises(ValidationFailed) as err:
        await _move(actors['analyst'], 'promotions', row, '已结案', ('results_reviewed',))
    assert {'actual_sales', 'summary'} <= set(err.value.by_field())
    row = await records.get_row(actors['analyst'], 'promotions', row['id'])
    closed = await records.update_row(actors['analyst'], 'promotions', row['id'], {
        'status': '已结案', 'actual_sales': '61000', 'summary': '超出目标 22%'}, version=row['version'])
    assert closed['status'] == '已结案'


async def test_promotion_approved_after_its_start_is_refused(engine, actors):
    row = await records.create_row(actors['promoter'], 'promotions', {**PROMO, 'start_date': '2026-11-26'})
    row = await records.set_check(actors['promoter'], 'promotions', row['id'], 'plan_detailed', True,
                                  version=row['version'])
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(actors['leader'], 'promotions', row['id'], {'status': '已批准'},
                                 version=row['version'])
    assert 'start_date' in err.value.by_field()


async def test_handover_is_acknowledged_by_the_next_shift_not_the_one_handing_over(engine, actors):
    row = await records.create_row(actors['cs'], 'cs_handovers', {
        'shift': '早班', 'daily_log': '咨询 80 单', 'open_items': '订单 TM-9 待退款'})
    assert row['handed_by'] == 'cs' and row['status'] == '待接班确认'
    row = await records.set_check(actors['supervisor'], 'cs_handovers', row['id'], 'open_items_read', True,
                                  version=row['version'])
    with pytest.raises(PermissionDenied) as refused:
        await records.update_row(actors['cs'], 'cs_handovers', row['id'], {'status': '已确认'}, version=row['version'])
    assert '交班人' in str(refused.value)
    done = await records.update_row(actors['supervisor'], 'cs_handovers', row['id'], {'status': '已确认'},
                                    version=row['version'])
    assert done['received_by'] == 'supervisor' and done['acknowledged_at'] is not None
    nxt = await records.create_row(actors['supervisor'], 'cs_handovers', {
        'shift': '晚班', 'daily_log': '继续处理', 'carried_from': f'#{row["id"]}'})
    links = await records.linked_rows(actors['cs'], 'cs_handovers', row['id'])
    assert links[0]['rows'][0]['id'] == nxt['id']                           # the carried-over item opens back
    with pytest.raises(PermissionDenied):                                   # settled: the log is fixed
        await records.update_row(actors['supervisor'], 'cs_handovers', row['id'], {'daily_log': '改写'},
                                 version=done['version'])


async def test_cashback_only_after_review_and_only_by_operations(engine, actors):
    row = await records.create_row(actors['cs'], 'cashbacks', {
        'platform': '天猫', 'order_no': 'TM-77', 'buyer': '李娜', 'amount': '5'})
    with pytest.raises((ValidationFailed, PermissionDenied)):               # no payout without the review
        await records.update_row(actors['ops'], 'cashbacks', row['id'], {'status': '已返现'}, version=row['version'])
    row = await records.set_check(actors['cs'], 'cashbacks', row['id'], 'review_verified', True,
                                  version=row['version'])
    with pytest.raises(ValidationFailed) as err:                            # the review itself must hold
        await records.update_row(actors['cs'], 'cashbacks', row['id'], {'status': '审核通过'}, version=row['version'])
    assert '审核无误后才能返现' in err.value.by_field()['review_checked']
    row = await records.update_row(actors['cs'], 'cashbacks', row['id'],
                                   {'status': '审核通过', 'review_checked': 'true'}, version=row['version'])
    assert row['reviewed_by'] == 'cs'
    with pytest.raises((ValidationFailed, PermissionDenied)):               # CS reviews; operations pays
        await records.update_row(actors['cs'], 'cashbacks', row['id'], {'status': '已返现'}, version=row['version'])
    paid = await records.update_row(actors['ops'], 'cashbacks', row['id'], {'status': '已返现'},
                                    version=row['version'])
    assert paid['paid_by'] == 'ops' and paid['paid_at'] is not None


async def test_bad_review_is_contacted_then_settled_with_a_result(engine, actors):
    row = await records.create_row(actors['cs'], 'reviews', {
        'platform': '京东', 'order_no': 'JD-1', 'buyer': '王伟', 'rating': '差评', 'content': '尺码偏小'})
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(actors['cs'], 'reviews', row['id'], {'status': '已联系'}, version=row['version'])
    assert 'contact_method' in err.value.by_field()
    row = await records.update_row(actors['cs'], 'reviews', row['id'], {'status': '已联系', 'contact_method': '电话'},
                                   version=row['version'])
    assert row['contacted_at'] is not None
    with pytest.raises(ValidationFailed):
        await records.update_row(actors['cs'], 'reviews', row['id'], {'status': '已处理'}, version=row['version'])
    with pytest.raises(ValidationFailed, match='评论区回复'):       # cs.aftersales.17: checked and replied first
        await records.update_row(actors['cs'], 'reviews', row['id'], {'status': '已处理', 'result': '已追评说明'},
                                 version=row['version'])
    row = await records.set_check(actors['cs'], 'reviews', row['id'], 'facts_checked_replied', True,
                                  version=row['version'])
    done = await records.update_row(actors['cs'], 'reviews', row['id'], {'status': '已处理', 'result': '已追评说明'},
                                    version=row['version'])
    assert done['status'] == '已处理'


async def test_out_of_stock_order_notifies_the_customer_first(engine, actors):
    row = await records.create_row(actors['cs'], 'stockouts', {
        'order_no': 'TM-5', 'platform': '天猫', 'sku': SKU, 'customer': '张敏'})
    with pytest.raises(ValidationFailed):                                   # no skipping the notification
        await records.update_row(actors['cs'], 'stockouts', row['id'], {'status': '已处理', 'resolution': '退款取消'},
                                 version=row['version'])
    row = await records.update_row(actors['cs'], 'stockouts', row['id'],
                                   {'status': '已通知顾客', 'notify_method': '电话'}, version=row['version'])
    assert row['notified_at'] is not None
    queue = await records.list_rows(actors['cs'], 'stockouts', RowQuery(queue='to_notify', limit=10))
    assert queue == []


async def test_a_derived_value_missing_is_filled_at_start(engine, actors):
    """Rows that were there before their register got a derived field (or a load beside the service) have no
    value: start-up and a schema reload fill exactly those."""
    await _receipt(actors, 12)
    item = await records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤'})
    await db.row_model('stock_items').filter(id=item['id']).update(on_hand=None, needs_reorder=None)
    assert (await _stock(actors))['on_hand'] is None
    assert await records.refresh_derived(only_missing=True) == 1
    assert (await _stock(actors))['on_hand'] == 12 and (await _stock(actors))['needs_reorder'] is False


MOVES = st.lists(st.tuples(st.sampled_from(['receive', 'ship', 'edit', 'move', 'delete', 'restore']),
                           st.integers(0, 5), st.integers(1, 40), st.sampled_from(['A1-01', 'A2-01', 'A3-01'])),
                 min_size=1, max_size=12)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
async def test_derived_stock_equals_the_sum_of_its_sources_after_any_writes(engine, actors, moves):
    """Any sequence of receipts, shipments, edits, key changes, deletes and restores: each item's stock equals
    the sum computed from scratch, and recomputing everything changes nothing."""
    w = actors['warehouse']
    for code in ('A1-01', 'A2-01', 'A3-01'):
        if not await db.row_model('stock_items').filter(sku=code).exists():
            await records.create_row(w, 'stock_items', {'sku': code, 'product_name': '测试'})
    for i, (what, pick_at, quantity, code) in enumerate(moves):
        ships = await records.list_rows(w, 'shipments', RowQuery(limit=50))
        if what == 'receive':
            await _receipt(actors, quantity, code, f'{len(await db.row_model("goods_receipts").all()) + 1:03d}')
        elif what == 'ship':
            await _shipment(actors, quantity, f'H-{i}-{len(ships)}-{quantity}', code)
        elif ships and what in ('edit', 'move', 'delete'):
            row = ships[pick_at % len(ships)]
            change = {'quantity': str(quantity)} if what == 'edit' else {'sku': code}
            if what == 'delete':
                await records.delete_rows(w, 'shipments', [row['id']])
            else:
                await records.update_row(w, 'shipments', row['id'], change, version=row['version'])
        elif what == 'restore':
            gone = await db.row_model('shipments').filter(deleted_at__isnull=False).values_list('id', flat=True)
            if gone:
                await records.restore_rows(w, 'shipments', [gone[pick_at % len(gone)]])
    for code in ('A1-01', 'A2-01', 'A3-01'):
        received = sum(await db.row_model('goods_receipts').filter(
            sku=code, status='已入库', deleted_at__isnull=True).values_list('quantity', flat=True))
        shipped = sum(await db.row_model('shipments').filter(
            sku=code, status__in=['已打包', '已出库'], deleted_at__isnull=True).values_list('quantity', flat=True))
        assert (await _stock(actors, code))['on_hand'] == received - shipped
    assert await records.refresh_derived() == 0


async def test_concurrent_movements_of_one_item_lose_nothing(engine, actors):
    """Writers of the same 货号 in parallel transactions (PostgreSQL runs them at once): each one's recompute sees
    the others' committed rows, so the stock ends as the sum of all of them."""
    await records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤'})

    async def one(i: int) -> None:
        await records.create_row(actors['cs'], 'returns', {
            'order_no': f'TM-C{i}', 'buyer': '王芳', 'return_type': '退货', 'reason': '尺码不合适', 'sku': SKU,
            'quantity': str(1 + i % 3), 'received_inspected': 'true'})
    await asyncio.gather(*(one(i) for i in range(12)))
    assert (await _stock(actors))['on_hand'] == sum(1 + i % 3 for i in range(12))


async def test_an_item_created_while_its_first_receipt_is_stored_counts_it(engine, actors):
    receipt = await records.create_row(actors['warehouse'], 'goods_receipts', {
        'receipt_no': 'RK20261127-077', 'supplier': '杭州织美服饰厂', 'sku': SKU, 'product_name': 'T恤',
        'quantity': '25', 'inspection': '合格'})
    for item in ('inspected', 'shelved'):
        receipt = await records.set_check(actors['warehouse'], 'goods_receipts', receipt['id'], item, True,
                                          version=receipt['version'])
    await asyncio.gather(
        records.update_row(actors['warehouse'], 'goods_receipts', receipt['id'], {'status': '已入库'},
                           version=receipt['version']),
        records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤'}))
    assert (await _stock(actors))['on_hand'] == 25


# --- 商品上新登记 (美工管理制度 1–11) -------------------------------------------------------------------------------

POINTS = '精选面料,亲肤透气\n立体剪裁,上身显瘦\n\n做工精细,走线平整\n多色可选\n机洗不变形'     # five, a blank line
PROCESSED = ('colour_corrected', 'watermarked', 'image_widths', 'details_annotated', 'template_used',
             'main_annotated', 'named_by_sku', 'backed_up')
ONLINE = ('listing_details', 'info_complete', 'page_checked')


async def _listing(actors, arrival: str, sku: str = SKU, **values) -> dict:
    return await records.create_row(actors['designer'], 'listings', {
        'sku': sku, 'product_name': '纯棉圆领T恤', 'category': '女装', 'arrival_date': arrival, **values})


async def _processed(actors, row: dict, points: str = POINTS) -> dict:
    """Photographed (measured) and processed by the designer, with the main picture's facts filled."""
    row = await _move(actors['designer'], 'listings', row, '已拍摄', ('measured',), dimensions='衣长 68cm、胸围 104cm')
    return await _move(actors['designer'], 'listings', row, '已处理', PROCESSED, colours='黑色、白色', sizes='S、M、L',
                       fabric='纯棉', description='经典圆领,进货说明', selling_points=points)


async def test_a_listing_is_overdue_three_days_after_arrival_until_it_is_on_sale(engine, actors):
    on_time = await _listing(actors, '2026-11-24', sku='A1-ONTIME')        # today 11-27: the third day
    late = await _listing(actors, '2026-11-23', sku='A1-LATE')             # the fourth day
    assert on_time['_overdue'] == [] and late['_overdue'] == ['online']
    for who in ('designer', 'ops', 'manager'):
        queue = await records.list_rows(actors[who], 'listings', RowQuery(queue='overdue', limit=10))
        assert [r['sku'] for r in queue] == ['A1-LATE'], who
    row = await _processed(actors, late)
    assert row['_overdue'] == ['online'] and row['processed_date'].isoformat() == '2026-11-27'   # processed: not
    with pytest.raises(PermissionDenied):                                   # yet on sale; the designer does not
        await _move(actors['designer'], 'listings', row, '已上线', ONLINE, brand='织美')   # put it on sale
    row = await records.get_row(actors['ops'], 'listings', row['id'])
    with pytest.raises(ValidationFailed) as err:                            # brand and price are the listing's
        await _move(actors['ops'], 'listings', row, '已上线', ONLINE)
    assert {'brand', 'price'} <= set(err.value.by_field())
    row = await records.get_row(actors['ops'], 'listings', row['id'])
    done = await records.update_row(actors['ops'], 'listings', row['id'], {'status': '已上线', 'brand': '织美',
                                    'price': '129'}, version=row['version'])
    assert done['_overdue'] == [] and (done['online_date'].isoformat(), done['listed_by']) == ('2026-11-27', 'ops')
    assert await records.count_rows(actors['manager'], 'listings', RowQuery(queue='overdue')) == 0
    with pytest.raises(ValidationFailed) as err:                            # not before it arrived
        await _move(actors['designer'], 'listings', on_time, '已拍摄', ('measured',), dimensions='衣长 68cm',
                    photographed_date='2026-11-20')
    assert '不早于' in err.value.by_field()['photographed_date']


async def test_five_selling_points_or_more_before_the_pictures_are_processed(engine, actors):
    row = await _listing(actors, '2026-11-26')
    with pytest.raises(ValidationFailed) as err:
        await _processed(actors, row, points='亲肤透气\n显瘦\n\n  \n走线平整\n多色可选')          # four, blanks
    message = err.value.by_field()['selling_points']
    assert '「卖点」至少要有 5 项(每行一项),现有 4 项' in message and '美工管理制度' in message
    assert 'at least 5 items' in err.value.by_field('en')['selling_points']
    row = await records.get_row(actors['designer'], 'listings', row['id'])
    assert row['status'] == '已拍摄'                                        # the move did not happen
    row = await records.update_row(actors['designer'], 'listings', row['id'], {
        'status': '已处理', 'colours': '黑色', 'sizes': 'M', 'fabric': '纯棉', 'description': '进货说明',
        'selling_points': POINTS}, version=row['version'])
    assert row['status'] == '已处理'
    with pytest.raises(ValidationFailed):                                   # and it keeps holding afterwards
        await records.update_row(actors['designer'], 'listings', row['id'], {'selling_points': '只有一个'},
                                 version=row['version'])
    early = await _listing(actors, '2026-11-26', sku='B2-EARLY', selling_points='一个卖点')   # before: a draft
    assert early['status'] == '待拍摄'


def test_min_items_counts_lines_separators_and_choices():
    from portal.rules.items import count_items
    assert count_items('a\nb\r\n\n c \r d', ()) == 4
    assert count_items('a、b;c\nd', ('、', ';')) == 4 and count_items('a、b', ()) == 1
    assert count_items(['红', '', '蓝'], ()) == 2 and count_items(None, ()) == 0 and count_items('  ', ()) == 0


def test_min_items_is_checked_when_the_schema_loads(schema_dir):
    from portal.catalog.load import load_catalog
    path = schema_dir / 'registers' / 'listings.toml'
    text = path.read_text(encoding='utf-8')
    path.write_text(text.replace('field = "selling_points"\nmin = 5', 'field = "arrival_date"\nmin = 0'),
                    encoding='utf-8')
    catalog, issues = load_catalog(schema_dir)
    found = [str(i) for i in issues if 'S263' in str(i)]
    assert catalog is None and len(found) == 2
    assert "'arrival_date' holds no list: use a text, longtext or multichoice field" in found[0]
    assert 'min 0 allows an empty field' in found[1]


async def test_a_listing_and_its_goods_receipt_open_each_other(engine, actors):
    receipt = await _receipt(actors, 60)
    row = await _listing(actors, '2026-11-27', receipt=f'#{receipt["id"]}')
    assert row['receipt'] == receipt['id']
    shown = await records.get_row(actors['designer'], 'listings', row['id'])
    assert shown['receipt'] == receipt['id']
    for who in ('designer', 'manager'):            # the receipt's form lists the listing (关联记录)
        links = {link['register']: link for link in await records.linked_rows(actors[who], 'goods_receipts',
                                                                              receipt['id'])}
        assert links['listings']['count'] == 1 and links['listings']['rows'] == [{'id': row['id'], 'title': SKU}]
        assert links['listings']['where'] == {'receipt': receipt['id']} and links['listings']['field'] == 'receipt'
    seen = await records.linked_rows(actors['warehouse'], 'goods_receipts', receipt['id'])
    assert 'listings' not in [link['register'] for link in seen]       # the warehouse does not see listings


async def test_sold_out_colours_are_marked_by_the_designer(engine, actors):
    row = await _listing(actors, '2026-11-27')
    with pytest.raises(ValidationFailed) as err:              # marked needs what was marked
        await records.update_row(actors['designer'], 'listings', row['id'], {'soldout_marked': 'true'},
                                 version=row['version'])
    assert 'soldout' in err.value.by_field()
    row = await records.update_row(actors['ops'], 'listings', row['id'], {'soldout': '酒红、XXL'},
                                   version=row['version'])
    queue = await records.list_rows(actors['designer'], 'listings', RowQuery(queue='soldout_to_mark', limit=5))
    assert [r['id'] for r in queue] == [row['id']]
    await records.update_row(actors['designer'], 'listings', row['id'], {'soldout_marked': 'true'},
                             version=row['version'])
    assert await records.count_rows(actors['designer'], 'listings', RowQuery(queue='soldout_to_mark')) == 0


async def test_a_link_names_its_row_by_number_or_title_and_never_a_row_that_is_not_there(engine, actors):
    """The hint of a link field promises "#id or title": a title used to be refused and any number was taken."""
    receipt = await _receipt(actors, 20)
    item = await records.create_row(actors['warehouse'], 'stock_items', {'sku': SKU, 'product_name': 'T恤'})
    by_title = await records.create_row(actors['warehouse'], 'replenishments', {
        'request_no': 'BH20261127-101', 'item': f'#{item["id"]}', 'quantity': '10', 'receipt': 'RK20261127-001'})
    assert by_title['receipt'] == receipt['id']
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(actors['warehouse'], 'replenishments', {
            'request_no': 'BH20261127-102', 'item': f'#{item["id"]}', 'quantity': '10', 'receipt': '#999999'})
    assert '#999999' in err.value.by_field()['receipt']
    await records.delete_rows(actors['warehouse'], 'goods_receipts', [receipt['id']])      # in the recycle bin
    with pytest.raises(ValidationFailed):
        await records.update_row(actors['warehouse'], 'replenishments', by_title['id'],
                                 {'receipt': f'#{receipt["id"]}', 'quantity': '11'}, version=by_title['version'])
