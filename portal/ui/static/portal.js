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

class PortalFilesRenderer {
  // An attachment cell: small thumbnails of its images (served by /files/… with the row's own rights), a chip
  // with the count of its other files. Names go in as text (title), never as HTML.
  init(p) {
    this.gui = document.createElement('span');
    this.gui.className = 'portal-files';
    const files = Array.isArray(p.value) ? p.value : [];
    const key = (p.colDef.cellRendererParams || {}).register;
    const images = files.filter((f) => String(f.mime || '').startsWith('image/'));
    images.slice(0, 4).forEach((f) => {
      const img = document.createElement('img');
      img.loading = 'lazy';
      img.alt = '';
      img.title = String(f.name || '');
      img.src = `/files/${encodeURIComponent(key)}/${p.data.id}/${encodeURIComponent(p.colDef.field)}/${f.sha256}?thumb=1`;
      this.gui.append(img);
    });
    const more = files.length - Math.min(images.length, 4);
    if (more > 0) {
      const chip = document.createElement('span');
      chip.className = 'portal-files-count';
      chip.textContent = (images.length ? '+' : '📎 ') + more;
      this.gui.append(chip);
    }
  }
  getGui() { return this.gui; }
  refresh() { return false; }
}
window.PortalFilesRenderer = PortalFilesRenderer;

class PortalCellEditor {
  // The grid's own editor for text, numbers, dates and for any cell started by typing: a plain input that takes
  // the key or IME text that started it (nothing is lost or parsed here: the server parses what was typed, with the
  // parser of paste and import), never cuts what is typed, and offers the column's values as suggestions.
  init(params) {
    this.params = params;
    const seed = portalGrid.takeSeed();
    const key = params.eventKey;
    this.start = portalGrid.editText(params);
    let value = this.start;
    this.caret = 'end';
    if (seed != null) value = seed;
    else if (params.cellStartedEdit && (key === 'Backspace' || key === 'Delete')) value = '';
    else if (params.cellStartedEdit && key && key.length === 1) value = key;
    else if (key !== 'F2' && key !== 'Enter') this.caret = 'all';
    this.input = document.createElement('input');
    this.input.type = 'text';
    this.input.className = 'ag-input-field-input ag-text-field-input portal-cell-input';
    this.input.value = value == null ? '' : value;
    this.input.setAttribute('autocomplete', 'off');
    const options = portalGrid.suggestions(params);
    this.gui = document.createElement('div');
    this.gui.className = 'portal-cell-editor';
    this.gui.append(this.input);
    if (options.length) {
      const list = document.createElement('datalist');
      list.id = `portal-suggest-${Math.random().toString(36).slice(2)}`;
      options.forEach(([v, label]) => {
        const o = document.createElement('option');
        o.value = v;
        if (label && label !== v) o.label = label;
        list.append(o);
      });
      this.gui.append(list);
      this.input.setAttribute('list', list.id);
    }
    // keys that belong to an IME composition (Enter that picks a candidate) never reach the grid
    this.input.addEventListener('keydown', (e) => {
      if (e.isComposing || e.keyCode === 229) { e.stopPropagation(); return; }
      if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key) && !e.ctrlKey && !e.metaKey) e.stopPropagation();
    });
  }
  getGui() { return this.gui; }
  afterGuiAttached() {
    this.input.focus();
    if (this.caret === 'all') this.input.select();
    else { const n = this.input.value.length; this.input.setSelectionRange(n, n); }
  }
  getValue() {
    const text = this.input.value;
    return text === (this.start == null ? '' : this.start) ? this.params.value : text;
  }
  focusIn() { this.input.focus(); }
  isPopup() { return false; }
}
window.PortalCellEditor = PortalCellEditor;

window.portalGrid = {
  state: {},     // key -> {quick, queue, where, gridId, countText}
  pending: {},   // gridId -> {rowId: row} updates held back while that row is being edited
  commands: {},  // gridId -> {name: () => …} what toolbar buttons and keys run (fill, …)
  seed: null,    // text that starts the next editor (an IME composition, a typed key): {text, at}

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
            headers: portalGrid.headers(st), body: JSON.stringify(body) });
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
      headers: portalGrid.headers(st), body: JSON.stringify(body) });
    if (!r.ok) return;
    const d = await r.json();
    const el = document.getElementById(`portal-count-${key}`);
    if (el) el.textContent = (st.countText || '{n}').replace('{n}', d.count.toLocaleString());
    const api = portalGrid.api(st.gridId);
    if (api && JSON.stringify(st.lastQuery && st.lastQuery.filter) === JSON.stringify(body.filter)) {
      api.setRowCount(d.count, true);
    }
  },

  headers(st) {
    // fetches that follow a refresh the server asked for (someone else's change) are not the user's activity:
    // they must not keep an idle session alive
    const background = (st.backgroundUntil || 0) > Date.now();
    return { 'Content-Type': 'application/json', ...(background ? { 'X-Portal-Background': '1' } : {}) };
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

  refresh(key, background) {
    const st = portalGrid.state[key];
    const api = st && portalGrid.api(st.gridId);
    if (background && st) st.backgroundUntil = Date.now() + 3000;
    if (api) api.refreshInfiniteCache();
  },

  applyRow(gridId, row) {
    const api = portalGrid.api(gridId);
    if (!api) return;
    const node = api.getRowNode(String(row.id));
    if (!node) return;
    // rows arrive out of order (a held-back row is flushed after a newer one came): an older version never wins
    const newer = (a, b) => !a || a._v == null || b._v == null || b._v >= a._v;
    if (!newer(node.data, row)) return;
    const editing = api.getEditingCells().some((c) => c.rowIndex === node.rowIndex);
    if (editing) {
      const held = (portalGrid.pending[gridId] ||= {});
      if (newer(held[row.id], row)) held[row.id] = row;
      return;
    }
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

  // --- type to edit -------------------------------------------------------------------------------------------
  takeSeed() {
    const seed = portalGrid.seed;
    portalGrid.seed = null;
    return seed && Date.now() - seed.at < 2000 ? seed.text : null;
  },

  editText(p) {
    const v = p.value;
    if (v == null) return '';
    if (Array.isArray(v)) return v.join('、');
    if (typeof v === 'boolean') return v ? '是' : '否';
    return String(v);
  },

  suggestions(p) {
    // the values a select offers (choices, states, people, clauses), as [value, label]; people by display name
    const def = p.colDef || {};
    let params = def.cellEditorParams;
    if (typeof params === 'function') { try { params = params(p); } catch (e) { params = null; } }
    let values = params && params.values;
    if (!Array.isArray(values)) values = (def.filterParams && def.filterParams.values) || [];
    const ref = def.refData || null;
    return values.filter((v) => v != null && v !== '').map((v) => [String(v), ref ? ref[v] : '']);
  },

  editorSelector(p) {
    // text-like cells always get the portal editor; any cell started by typing (a key, an IME composition) or
    // reached by Tab while editing too, so the first key is never lost, a select or a date takes what was typed,
    // and Tab along a row never waits for a select's list. Double-click, F2 and Enter open a select's own list.
    const own = p.colDef && p.colDef.cellEditor;
    const typed = (portalGrid.seed && Date.now() - portalGrid.seed.at < 2000) ||
                  (p.cellStartedEdit && p.eventKey && p.eventKey.length === 1) || !p.cellStartedEdit;
    if (typed || !own || own === 'agTextCellEditor' || own === 'agDateStringCellEditor') {
      return { component: PortalCellEditor };
    }
    return undefined;
  },

  startTyped(api, text) {
    // open the focused cell's editor with `text` in it (IME text arrives whole, not as one key)
    const f = api.getFocusedCell();
    if (!f || api.getEditingCells().length) return false;
    const node = api.getDisplayedRowAtIndex(f.rowIndex);
    if (!node || !node.data || !f.column.isCellEditable(node)) return false;
    portalGrid.seed = { text, at: Date.now() };
    api.startEditingCell({ rowIndex: f.rowIndex, colKey: f.column.getColId(), rowPinned: f.rowPinned });
    return true;
  },

  editorInput(el) { return el.querySelector('.ag-cell-inline-editing .portal-cell-input'); },

  // --- keyboard -----------------------------------------------------------------------------------------------
  dataColumns(api) {
    return api.getAllDisplayedColumns().filter((c) => !c.getColId().startsWith('ag-Grid-'));
  },

  blank(node, col) {
    if (!node || !node.data) return true;
    const v = node.data[col.getColDef().field || col.getColId()];
    return v == null || v === '' || (Array.isArray(v) && !v.length);
  },

  edgeJump(api, key) {
    // Ctrl+arrow as Excel: to the last filled cell of this block of filled cells, or to the next filled cell, or
    // to the edge. Rows not loaded yet count as filled up to the last row of the grid.
    const f = api.getFocusedCell();
    if (!f) return;
    const cols = portalGrid.dataColumns(api);
    const last = api.getDisplayedRowCount() - 1;
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      const node = api.getDisplayedRowAtIndex(f.rowIndex);
      const step = key === 'ArrowRight' ? 1 : -1;
      let i = cols.findIndex((c) => c.getColId() === f.column.getColId());
      if (i < 0) return;
      const filled = (j) => !portalGrid.blank(node, cols[j]);
      if (filled(i) && cols[i + step] && filled(i + step)) { while (cols[i + step] && filled(i + step)) i += step; }
      else { i += step; while (cols[i] && !filled(i)) i += step; if (!cols[i]) i -= step; }
      i = Math.max(0, Math.min(cols.length - 1, i));
      api.ensureColumnVisible(cols[i]);
      api.setFocusedCell(f.rowIndex, cols[i]);
      return;
    }
    const step = key === 'ArrowDown' ? 1 : -1;
    const col = f.column;
    const at = (r) => api.getDisplayedRowAtIndex(r);
    const filled = (r) => { const n = at(r); return !n || !n.data ? null : !portalGrid.blank(n, col); };
    let r = f.rowIndex;
    const inside = (x) => x >= 0 && x <= last;
    if (filled(r) && inside(r + step) && filled(r + step) !== false) {
      while (inside(r + step) && filled(r + step) === true) r += step;
      if (inside(r + step) && filled(r + step) === null) r = step > 0 ? last : 0;
    } else {
      r += step;
      while (inside(r) && filled(r) === false) r += step;
      if (!inside(r) || filled(r) === null) r = step > 0 ? last : 0;
    }
    r = Math.max(0, Math.min(last, r));
    api.ensureIndexVisible(r);
    api.setFocusedCell(r, col);
  },

  homeEnd(api, end, ctrl) {
    // Home/End: first/last column of the row; with Ctrl: of the first/last row (as in Excel and Sheets)
    const f = api.getFocusedCell();
    const cols = portalGrid.dataColumns(api);
    if (!f || !cols.length) return;
    const row = ctrl ? (end ? api.getDisplayedRowCount() - 1 : 0) : f.rowIndex;
    const col = end ? cols[cols.length - 1] : cols[0];
    api.ensureIndexVisible(row);
    api.ensureColumnVisible(col);
    api.setFocusedCell(row, col);
  },

  refocus(gridId, rowId, colId) {
    // back to the grid after a dialog: the same cell, ready for the next key
    const api = portalGrid.api(gridId);
    const node = api && api.getRowNode(String(rowId));
    if (!node || node.rowIndex == null) return;
    api.ensureIndexVisible(node.rowIndex);
    api.setFocusedCell(node.rowIndex, colId);
  },

  command(gridId, name) {
    const run = (portalGrid.commands[gridId] || {})[name];
    if (run) run();
  },

  install(key, gridId) {
    // keys and pastes go to the page's Python handlers (server-side undo, fill, paste preview)
    const el = getElement(gridId).$el;
    const api = portalGrid.api(gridId);
    api.addEventListener('cellEditingStopped', () => setTimeout(() => portalGrid.flushPending(gridId), 0));
    const send = (name, extra) => emitEvent(`portal_${name}_${gridId}`, { ...portalGrid.focused(api), ...extra });
    const editing = () => api.getEditingCells().length > 0;
    const onCell = (t) => !!(t && t.classList && t.classList.contains('ag-cell'));
    portalGrid.commands[gridId] = {
      fill: () => send('fill', { selected: api.getSelectedRows().map((r) => r.id) }),
      checks: () => { const f = portalGrid.focused(api); if (f && f.rowId != null) send('checks', {}); },
    };
    portalGrid.searchKey();
    api.addEventListener('cellClicked', (p) => {
      if (p.column.getColId() === '_checks' && p.data) setTimeout(() => portalGrid.command(gridId, 'checks'), 0);
    });
    el.addEventListener('keydown', (e) => {
      const ctrl = e.ctrlKey || e.metaKey;
      if (editing()) {
        // a select or a checkbox being edited: a printable key (or an IME) switches to typing into the cell
        const a = document.activeElement;
        const textual = a && ((a.tagName === 'INPUT' && !['checkbox', 'radio'].includes(a.type)) || a.tagName === 'TEXTAREA');
        const ime = e.key === 'Process' || e.keyCode === 229;
        if (!textual && !ctrl && !e.altKey && ((e.key.length === 1 && e.key !== ' ') || ime)) {
          e.preventDefault(); e.stopPropagation();
          api.stopEditing(true);
          portalGrid.startTyped(api, ime ? '' : e.key);
        }
        return;
      }
      const k = e.key.toLowerCase();
      if ((e.key === 'Process' || e.keyCode === 229) && onCell(e.target)) { portalGrid.startTyped(api, ''); return; }
      if (ctrl && k === 'z' && !e.shiftKey) { e.preventDefault(); e.stopPropagation(); send('undo', {}); }
      else if (ctrl && (k === 'y' || (k === 'z' && e.shiftKey))) { e.preventDefault(); e.stopPropagation(); send('redo', {}); }
      else if (ctrl && k === 'd') {
        e.preventDefault(); e.stopPropagation();
        portalGrid.command(gridId, 'fill');
      } else if (ctrl && !e.shiftKey && !e.altKey && e.key.startsWith('Arrow') && onCell(e.target)) {
        e.preventDefault(); e.stopPropagation();
        portalGrid.edgeJump(api, e.key);
      } else if ((e.key === 'Home' || e.key === 'End') && !e.shiftKey && !e.altKey && onCell(e.target)) {
        e.preventDefault(); e.stopPropagation();
        portalGrid.homeEnd(api, e.key === 'End', ctrl);
      } else if (e.key === 'Enter' && !ctrl && onCell(e.target) && api.getFocusedCell()
                 && api.getFocusedCell().column.getColId() === '_checks') {
        e.preventDefault(); e.stopPropagation();
        portalGrid.command(gridId, 'checks');
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && !ctrl) {
        const f = portalGrid.focused(api);
        if (f && f.rowId != null) { e.preventDefault(); e.stopPropagation(); send('clear', {}); }
      }
    }, true);
    // an IME composition on a selected cell (the browser sends no printable key for it) opens the editor with
    // the committed text (once: text the composition already put in the editor is not added again)
    el.addEventListener('compositionstart', (e) => {
      if (!editing() && onCell(e.target)) portalGrid.startTyped(api, '');
    }, true);
    el.addEventListener('compositionend', (e) => {
      if (!e.data) return;
      if (!editing()) { if (onCell(e.target)) portalGrid.startTyped(api, e.data); return; }
      const input = portalGrid.editorInput(el);
      if (!input) { portalGrid.seed = { text: e.data, at: Date.now() }; return; }
      if (!input.value.endsWith(e.data)) input.value += e.data;
      input.focus();
    }, true);
    el.addEventListener('input', (e) => {
      if (e.data && !editing() && onCell(e.target)) portalGrid.startTyped(api, e.data);
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

  searchKey() {
    // Ctrl+F anywhere on a register page goes to its quick search box (as the box's placeholder says)
    if (portalGrid.searchKeyInstalled) return;
    portalGrid.searchKeyInstalled = true;
    document.addEventListener('keydown', (e) => {
      if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== 'f') return;
      const box = document.querySelector('.portal-quick input');
      if (!box) return;
      e.preventDefault(); e.stopPropagation();
      box.focus(); box.select();
    }, true);
  },

  columns(gridId) {
    // the column chooser's list: every column but the row checkboxes, as the grid shows it now
    const api = portalGrid.api(gridId);
    return api.getColumns().filter((c) => !c.getColId().startsWith('ag-Grid-')).map((c) => (
      { colId: c.getColId(), header: c.getColDef().headerName || c.getColId(), hide: !c.isVisible() }));
  },

  showColumn(gridId, colId, visible) {
    portalGrid.api(gridId).setColumnsVisible([colId], visible);
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
