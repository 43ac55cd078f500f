"""The manager dashboard in a real browser: figures and charts render from the demo data, and clicking a bar
opens the register grid filtered to it."""
from __future__ import annotations

from urllib.parse import unquote

from playwright.sync_api import TimeoutError as PlaywrightTimeout


def test_manager_dashboard_and_click_through(session_factory):
    s = session_factory('manager')
    s.page.set_viewport_size({'width': 1500, 'height': 1600})
    s.page.goto(f'{s.url}/dashboard')
    s.page.wait_for_function("() => document.querySelectorAll('canvas').length >= 6")
    text = s.page.locator('.q-page').inner_text()
    for title in ('今日发货', '近 30 天退货率', '近 30 天每日发货(按平台)', '回访逾期的投诉', '本月出勤与满勤'):
        assert title in text, title
    timing = s.page.get_by_text('数据查询用时').inner_text()
    assert int(timing.split()[1]) < 15000     # shown and bounded; the speed target is bench/'s, on a quiet machine
    s.page.screenshot(path=str(s.shot('dashboard-manager').parent / 'dashboard-manager-full.png'), full_page=True)
    # click the first bar of "投诉处理状态" (a bar chart over complaints by status)
    card = s.page.locator('.q-card', has_text='投诉处理状态')
    chart = card.locator('canvas').first
    box = chart.bounding_box()
    coords = s.page.evaluate('''(el) => { const root = el.closest('[id^="c"]');
        const c = getElement(root.id.slice(1)).chart;
        const opt = c.getOption(); const x = opt.xAxis[0].data[0];
        return {name: x, px: c.convertToPixel({seriesIndex: 0}, [x, opt.series[0].data[0] / 2])}; }''',
                             chart.element_handle())
    # the bars grow in (an ECharts animation, drawn frame by frame): click where the bar ends up until it is there
    for _ in range(20):
        s.page.mouse.click(box['x'] + coords['px'][0], box['y'] + coords['px'][1])
        try:
            s.page.wait_for_url('**/r/complaints?where=*', timeout=1000)
            break
        except PlaywrightTimeout:
            pass
    s.page.wait_for_url('**/r/complaints?where=*')
    assert coords['name'] in unquote(s.page.url)
    s.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    statuses = s.grid_api('[0,1,2].map(i => api.getDisplayedRowAtIndex(i)).filter(n => n && n.data)'
                          '.map(n => n.data.status)')
    assert statuses and set(statuses) == {coords['name']}
    s.shot('dashboard-click-through')
