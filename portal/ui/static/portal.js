// 运营台 · Ops Portal — browser helpers for the register grid (AG Grid Community, infinite row model).
// Rows, sorting, filtering, counting, validation and undo all happen on the server; this file only
// fetches blocks, shows results, and forwards keys and pastes to the page's Python handlers.

class PortalSetFilter {
  // A "choice set" filter (AG Grid's set filter is Enterprise-only). Filtering runs on the server.
  init(params) {
    this.params = params;
    this.values = params.values || [];
    this.labels = params.labels || this.values.map(String);
    this.selected = new Set();
    this.gui = document.createElement('div');
    this.gui.className = 'portal-set-filter';
    this.values.forEach((value, i) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.addEventListener('change', () => {
        if (box.checked) this.selected.add(i); else this.selected.delete(i);
        params.filterChangedCallback();
      });
      const text = document.createElement('span');
      text.textContent = String(this.labels[i]);   // text, never HTML
      label.append(box, text);
      this.gui.append(label);
    });
  }
  getGui() { return this.gui; }
  isFilterActive() { return this.selected.size > 0; }
  doesFilterPass() { return true; }
  getModel() {
    if (!this.isFilterActive()) return null;
    return { filterType: 'set', values: [...this.selected].map((i) => this.values[i]) };
  }
  setModel(model) {
    this.selected = new Set();
    const wanted = (model && model.values) || [];
    this.values.forEach((v, i) => { if (wanted.some((w) => w === v)) this.selected.add(i); });
    this.gui.querySelectorAll('input').forEach((box, i) => { box.checked = this.selected.has(i); });
  }
}
window.PortalSetFilter = PortalSetFilter;

window.portalGrid = {
  state: {},     // key -> {quick, queue, where, gridId, countText}
  pending: {},   // gridId -> {rowId: row} updates held back while that row is being edited

  api(gridId) { const el = getElement(gridId); return el && el.api; },

  datasource(key) {
    return {
      getRows: async (p) => {
        const st = portalGrid.state[key] || {};
        const body = { start: p.startRow, limit: p.endRow - p.startRow, sort: p.sortModel, filter: p.filterModel,
                       quick: st.quick || '', queue: st.queue || null, where: st.where || null };
        st.lastQuery = body;
        try {
          const r = await fetch(`/grid/${key}/rows`, { method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
          const d = await r.json().catch(() => ({}));
          if (!r.ok) { portalGrid.message(key, d.detail || r.statusText, true); p.failCallback(); return; }
          portalGrid.message(key, '', false);
          const last = d.rows.length < body.limit ? body.start + d.rows.length : -1;
          p.successCallback(d.rows, last);
          if (body.start === 0) portalGrid.count(key, body);   // the count never holds back the first block
        } catch (e) { portalGrid.message(key, String(e), true); p.failCallback(); }
      },
    };
  },

  async count(key, body) {
    const st = portalGrid.state[key] || {};
    const r = await fetch(`/grid/${key}/count`, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) return;
    const d = await r.json();
    const el = document.getElementById(`portal-count-${key}`);
    if (el) el.textContent = (st.countText || '{n}').replace('{n}', d.count.toLocaleString());
    const api = portalGrid.api(st.gridId);
    if (api && JSON.stringify(st.lastQuery && st.lastQuery.filter) === JSON.stringify(body.filter)) {
      api.setRowCount(d.count, true);
    }
  },

  message(key, text, isError) {
    const el = document.getElementById(`portal-fetch-${key}`);   // not the Vue-managed message label
    if (!el) return;
    el.textContent = text || '';
    el.classList.toggle('portal-error', !!isError);
  },

  setQuick(key, text) {
    const st = portalGrid.state[key];
    st.quick = text;
    const api = portalGrid.api(st.gridId);
    if (api) api.purgeInfiniteCache();
  },

  refresh(key) {
    const st = portalGrid.state[key];
    const api = st && portalGrid.api(st.gridId);
    if (api) api.refreshInfiniteCache();
  },

  applyRow(gridId, row) {
    const api = portalGrid.api(gridId);
    if (!api) return;
    const node = api.getRowNode(String(row.id));
    if (!node) return;
    const editing = api.getEditingCells().some((c) => c.rowIndex === node.rowIndex);
    if (editing) { (portalGrid.pending[gridId] ||= {})[row.id] = row; return; }
    node.setData(row);
  },

  flushPending(gridId) {
    const rows = portalGrid.pending[gridId] || {};
    portalGrid.pending[gridId] = {};
    Object.values(rows).forEach((row) => portalGrid.applyRow(gridId, row));
  },

  focused(api) {
    const cell = api.getFocusedCell();
    if (!cell) return null;
    const node = api.getDisplayedRowAtIndex(cell.rowIndex);
    return { rowIndex: cell.rowIndex, colId: cell.column.getColId(), rowId: node && node.data ? node.data.id : null,
             version: node && node.data ? node.data._v : null };
  },

  install(key, gridId) {
    // keys and pastes go to the page's Python handlers (server-side undo, fill, paste preview)
    const el = getElement(gridId).$el;
    const api = portalGrid.api(gridId);
    api.addEventListener('cellEditingStopped', () => setTimeout(() => portalGrid.flushPending(gridId), 0));
    const send = (name, extra) => emitEvent(`portal_${name}_${gridId}`, { ...portalGrid.focused(api), ...extra });
    el.addEventListener('keydown', (e) => {
      if (api.getEditingCells().length) return;
      const ctrl = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (ctrl && k === 'z' && !e.shiftKey) { e.preventDefault(); e.stopPropagation(); send('undo', {}); }
      else if (ctrl && (k === 'y' || (k === 'z' && e.shiftKey))) { e.preventDefault(); e.stopPropagation(); send('redo', {}); }
      else if (ctrl && k === 'd') {
        e.preventDefault(); e.stopPropagation();
        send('fill', { selected: api.getSelectedRows().map((r) => r.id) });
      } else if (ctrl && k === 'f') {
        e.preventDefault(); e.stopPropagation();
        const box = document.querySelector(`#portal-quick-${key} input, input#portal-quick-${key}`);
        if (box) { box.focus(); box.select(); }
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && !ctrl) {
        const f = portalGrid.focused(api);
        if (f && f.rowId != null) { e.preventDefault(); e.stopPropagation(); send('clear', {}); }
      }
    }, true);
    el.addEventListener('paste', (e) => {
      if (api.getEditingCells().length) return;
      const text = (e.clipboardData || window.clipboardData).getData('text/plain');
      const f = portalGrid.focused(api);
      if (!text || !f) return;
      e.preventDefault(); e.stopPropagation();
      const st = portalGrid.state[key] || {};
      send('paste', { text, columns: api.getAllDisplayedColumns().map((c) => c.getColId()),
                      query: { sort: api.getColumnState().filter((c) => c.sort).sort((a, b) => (a.sortIndex || 0) - (b.sortIndex || 0))
                                 .map((c) => ({ colId: c.colId, sort: c.sort })),
                               filter: api.getFilterModel(), quick: st.quick || '', queue: st.queue || null,
                               where: st.where || null } });
    }, true);
  },

  viewState(gridId) {
    const api = portalGrid.api(gridId);
    return { columns: api.getColumnState(), filter: api.getFilterModel() };
  },

  applyView(gridId, state) {
    const api = portalGrid.api(gridId);
    if (state.columns) api.applyColumnState({ state: state.columns, applyOrder: true });
    api.setFilterModel(state.filter || null);
  },
};
