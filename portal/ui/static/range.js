// 运营台 · Ops Portal — the grid's cell range. AG Grid Community has no range selection, clipboard or fill handle
// (they are Enterprise), so this file keeps a range per grid — a rectangle of displayed row positions × displayed
// columns — and draws it through cellClassRules (portalRange.rules, added to every column by range_ui.py), so it is
// redrawn whenever AG Grid renders a cell (scrolling, block loads, refreshes). The infinite row model holds only the
// blocks it cached, so what a range covers is read and written on the server with the grid's own query:
// /grid/<key>/range/copy and /range/stats, and the page's Python handlers for clear, fill and paste.

window.portalRange = {
  grids: {},                // gridId -> state of that grid's range
  byApi: new WeakMap(),     // grid api -> state (cellClassRules are given the api, not the grid's id)
  dragging: null,           // the state whose range is being dragged (selection or fill handle)
  LOCAL_ROWS: 2000,         // a range of at most this many cached rows is summed in the browser

  rules: {
    'portal-range': (p) => portalRange.at(p, 'in'),
    'portal-range-top': (p) => portalRange.at(p, 'top'),
    'portal-range-bottom': (p) => portalRange.at(p, 'bottom'),
    'portal-range-left': (p) => portalRange.at(p, 'left'),
    'portal-range-right': (p) => portalRange.at(p, 'right'),
    'portal-range-handle': (p) => portalRange.at(p, 'handle'),
    'portal-range-fill': (p) => portalRange.at(p, 'fill'),
  },

  at(p, what) {
    const st = portalRange.byApi.get(p.api);
    if (!st || p.rowIndex == null || !p.column) return false;
    const c = st.colIndex.get(p.column.getColId());
    const R = st.rect;
    if (c === undefined) return false;
    if (what === 'fill') {
      const F = st.fillRect;
      return !!F && p.rowIndex >= F.r1 && p.rowIndex <= F.r2 && c >= F.c1 && c <= F.c2;
    }
    if (!R) return false;
    const r = p.rowIndex;
    const inside = r >= R.r1 && r <= R.r2 && c >= R.c1 && c <= R.c2;
    if (what === 'handle') return st.cfg.editable && r === R.r2 && c === R.c2;
    if (!inside || !R.many) return false;
    return what === 'in' || (what === 'top' && r === R.r1) || (what === 'bottom' && r === R.r2)
      || (what === 'left' && c === R.c1) || (what === 'right' && c === R.c2);
  },

  // --- set-up -----------------------------------------------------------------------------------------------
  install(gridId, cfg) {
    const api = portalGrid.api(gridId);
    const el = getElement(gridId).$el;
    const st = { gridId, key: cfg.key, cfg, api, el, anchor: null, end: null, rect: null, fillRect: null,
                 cols: [], colIndex: new Map(), numeric: new Set(cfg.numeric), drag: null };
    portalRange.grids[gridId] = st;
    portalRange.byApi.set(api, st);
    const columns = () => {
      const allowed = new Set(cfg.columns);
      st.cols = api.getAllDisplayedColumns().map((c) => c.getColId()).filter((id) => allowed.has(id));
      st.colIndex = new Map(st.cols.map((id, i) => [id, i]));
      portalRange.draw(st);
    };
    columns();
    api.addEventListener('displayedColumnsChanged', columns);
    api.addEventListener('cellFocused', (e) => portalRange.onFocus(st, e));
    const reset = () => { st.anchor = st.end = null; portalRange.draw(st); };
    api.addEventListener('sortChanged', reset);
    api.addEventListener('filterChanged', reset);
    el.addEventListener('mousedown', (e) => portalRange.onMouseDown(st, e), true);
    el.addEventListener('contextmenu', (e) => portalRange.onContextMenu(st, e), true);
    portalRange.listen();
  },

  listen() {
    if (portalRange.listening) return;
    portalRange.listening = true;
    window.addEventListener('keydown', (e) => portalRange.onKey(e), true);     // before the grid's own handlers
    window.addEventListener('paste', (e) => portalRange.onPaste(e), true);
    document.addEventListener('mousemove', (e) => portalRange.onMouseMove(e), true);
    document.addEventListener('mouseup', (e) => portalRange.onMouseUp(e), true);
    window.addEventListener('mousedown', (e) => {
      if (!e.target.closest || !e.target.closest('.portal-range-menu')) portalRange.closeMenu();
    }, true);
  },

  owner(target) {
    if (!target || !target.closest) return null;
    return Object.values(portalRange.grids).find((st) => st.el.isConnected && st.el.contains(target)) || null;
  },

  // --- the range ----------------------------------------------------------------------------------------------
  draw(st, status = true) {
    const a = st.anchor, b = st.end;
    const c1 = a && st.colIndex.get(a.col), c2 = b && st.colIndex.get(b.col);
    if (!a || !b || c1 === undefined || c2 === undefined) st.rect = null;
    else {
      const R = { r1: Math.min(a.row, b.row), r2: Math.max(a.row, b.row), c1: Math.min(c1, c2), c2: Math.max(c1, c2) };
      R.many = R.r2 > R.r1 || R.c2 > R.c1;
      st.rect = R;
    }
    st.api.refreshCells({ suppressFlash: true });      // re-applies cellClassRules to the rendered cells
    if (status) portalRange.status(st);
  },

  set(st, anchor, end) {
    st.anchor = anchor;
    st.end = end || anchor;
    portalRange.draw(st);
  },

  range(st, R = st.rect) {
    // what the server needs: the grid's query, the first row position, the row count, the columns
    return { ...portalRange.query(st), start: R.r1, count: R.r2 - R.r1 + 1, columns: st.cols.slice(R.c1, R.c2 + 1) };
  },

  query(st) {
    const g = portalGrid.state[st.key] || {};
    const sort = st.api.getColumnState().filter((c) => c.sort)
      .sort((a, b) => (a.sortIndex || 0) - (b.sortIndex || 0)).map((c) => ({ colId: c.colId, sort: c.sort }));
    return { sort, filter: st.api.getFilterModel() || {}, quick: g.quick || '', queue: g.queue || null,
             where: g.where || null };
  },

  whole(st) {
    const R = st.rect;
    return !!R && R.r1 === 0 && R.r2 >= st.api.getDisplayedRowCount() - 1;
  },

  onFocus(st, e) {
    // keyboard moves and clicks collapse the range onto the focused cell (not while a click extends it)
    if (Date.now() < (st.keepUntil || 0) || e.rowIndex == null || !e.column) return;
    const col = typeof e.column === 'string' ? e.column : e.column.getColId();
    const expected = st.expectFocus;
    st.expectFocus = null;
    if (expected && expected.row === e.rowIndex && expected.col === col) return;
    if (!st.colIndex.has(col)) return;
    if (st.anchor && st.anchor.row === e.rowIndex && st.anchor.col === col) return;   // (a refresh, a right-click)
    portalRange.set(st, { row: e.rowIndex, col });
  },

  extend(st, key, toEdge) {
    if (!st.anchor) return;
    const last = st.api.getDisplayedRowCount() - 1;
    const end = { ...st.end };
    let c = st.colIndex.get(end.col);
    if (key === 'ArrowDown') end.row = toEdge ? last : Math.min(last, end.row + 1);
    else if (key === 'ArrowUp') end.row = toEdge ? 0 : Math.max(0, end.row - 1);
    else if (key === 'ArrowRight') c = toEdge ? st.cols.length - 1 : Math.min(st.cols.length - 1, c + 1);
    else if (key === 'ArrowLeft') c = toEdge ? 0 : Math.max(0, c - 1);
    end.col = st.cols[c];
    st.end = end;
    st.api.ensureIndexVisible(end.row);
    st.api.ensureColumnVisible(end.col);
    portalRange.draw(st);
  },

  selectAll(st) {
    const last = st.api.getDisplayedRowCount() - 1;
    if (last < 0 || !st.cols.length) return;
    st.anchor = { row: 0, col: st.cols[0] };
    st.end = { row: last, col: st.cols[st.cols.length - 1] };
    portalRange.draw(st);
  },

  // --- mouse --------------------------------------------------------------------------------------------------
  cellAt(st, target) {
    const cell = target && target.closest && target.closest('.ag-cell');
    if (!cell || !st.el.contains(cell)) return null;
    const col = cell.getAttribute('col-id');
    const row = cell.closest('.ag-row');
    if (!row || !st.colIndex.has(col)) return null;
    const index = Number(row.getAttribute('row-index'));
    return Number.isInteger(index) && index >= 0 ? { row: index, col, cell } : null;
  },

  onMouseDown(st, e) {
    const hit = portalRange.cellAt(st, e.target);
    const R = st.rect;
    if (hit && e.button === 2 && R && portalRange.inside(st, R, hit)) st.keepUntil = Date.now() + 400;
    if (!hit || e.button !== 0 || e.target.closest('input, textarea, select, .ag-cell-inline-editing')) return;
    if (R && st.cfg.editable && hit.row === R.r2 && st.colIndex.get(hit.col) === R.c2) {
      const box = hit.cell.getBoundingClientRect();
      if (e.clientX >= box.right - 10 && e.clientY >= box.bottom - 10) {      // the fill handle
        e.preventDefault(); e.stopPropagation();
        portalRange.startDrag(st, 'fill', e);
        return;
      }
    }
    if (e.shiftKey && st.anchor) {
      e.preventDefault();                                   // no text selection; focus stays where it was
      e.stopPropagation();
      st.expectFocus = { row: hit.row, col: hit.col };      // the focus this click may bring keeps the range
      st.end = { row: hit.row, col: hit.col };
      portalRange.draw(st);
      return;
    }
    st.keepUntil = 0;
    portalRange.set(st, { row: hit.row, col: hit.col });
    portalRange.startDrag(st, 'select', e);
  },

  inside(st, R, hit) {
    const c = st.colIndex.get(hit.col);
    return hit.row >= R.r1 && hit.row <= R.r2 && c >= R.c1 && c <= R.c2;
  },

  startDrag(st, kind, e) {
    st.drag = kind;
    st.fillRect = null;
    st.pointer = { x: e.clientX, y: e.clientY };
    portalRange.dragging = st;
    clearInterval(st.scroller);
    st.scroller = setInterval(() => portalRange.autoScroll(st), 60);
  },

  onMouseMove(e) {
    const st = portalRange.dragging;
    if (!st) return;
    if (!(e.buttons & 1)) { portalRange.onMouseUp(e); return; }
    st.pointer = { x: e.clientX, y: e.clientY };
    const hit = portalRange.cellAt(st, e.target);
    if (hit) portalRange.dragTo(st, hit.row, hit.col);
  },

  dragTo(st, row, col) {
    if (st.drag === 'select') {
      if (st.end && st.end.row === row && st.end.col === col) return;
      st.keepUntil = Date.now() + 400;
      st.end = { row, col };
      portalRange.draw(st);
      return;
    }
    const R = st.rect;
    const c = st.colIndex.get(col);
    if (!R || c === undefined) return;
    const down = row - R.r2, right = c - R.c2;
    let F = null;
    if (down > 0 && down >= right) F = { r1: R.r2 + 1, r2: row, c1: R.c1, c2: R.c2, axis: 'down' };
    else if (right > 0) F = { r1: R.r1, r2: R.r2, c1: R.c2 + 1, c2: c, axis: 'right' };
    if (JSON.stringify(F) === JSON.stringify(st.fillRect)) return;
    st.fillRect = F;
    portalRange.draw(st, false);
  },

  autoScroll(st) {
    // dragging past the top or bottom of the rows scrolls them (and extends the range or the fill)
    const viewport = st.el.querySelector('.ag-body-viewport');
    if (!viewport || !st.pointer || !st.drag) return;
    const box = viewport.getBoundingClientRect();
    const dy = st.pointer.y > box.bottom - 4 ? 1 : st.pointer.y < box.top + 4 ? -1 : 0;
    if (!dy) return;
    viewport.scrollTop += dy * 40;
    const row = dy > 0 ? st.api.getLastDisplayedRowIndex() : st.api.getFirstDisplayedRowIndex();
    const col = st.drag === 'select' ? st.end.col : st.cols[(st.fillRect || st.rect).c2];
    portalRange.dragTo(st, row, col);
  },

  onMouseUp() {
    const st = portalRange.dragging;
    if (!st) return;
    portalRange.dragging = null;
    clearInterval(st.scroller);
    const kind = st.drag;
    st.drag = null;
    if (kind === 'fill' && st.fillRect) portalRange.fillFromHandle(st);
  },

  fillFromHandle(st) {
    // the dragged area is filled from the range (a series where the range forms one), then becomes the range
    const R = st.rect, F = st.fillRect;
    st.fillRect = null;
    const sources = F.axis === 'down' ? R.r2 - R.r1 + 1 : R.c2 - R.c1 + 1;
    const whole = { r1: R.r1, r2: Math.max(R.r2, F.r2), c1: R.c1, c2: Math.max(R.c2, F.c2) };
    st.anchor = { row: whole.r1, col: st.cols[whole.c1] };
    st.end = { row: whole.r2, col: st.cols[whole.c2] };
    portalRange.draw(st);
    portalRange.send(st, 'fill', { axis: F.axis, sources, series: true });
  },

  // --- keys ---------------------------------------------------------------------------------------------------
  onKey(e) {
    const st = portalRange.owner(e.target);
    if (!st || e.isComposing || st.api.getEditingCells().length) return;
    if (e.key === 'Escape') portalRange.closeMenu();
    const ctrl = e.ctrlKey || e.metaKey;
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    if (e.shiftKey && !e.altKey && e.key.startsWith('Arrow')) { stop(); portalRange.extend(st, e.key, ctrl); return; }
    const R = st.rect;
    if (ctrl && !e.shiftKey && !e.altKey) {
      const k = e.key.toLowerCase();
      if (k === 'a') { stop(); portalRange.selectAll(st); }
      else if (k === 'c' && R) { stop(); portalRange.copy(st); }
      else if ((k === 'd' || k === 'r') && R && st.cfg.editable) {
        if (portalRange.fillKey(st, k === 'd' ? 'down' : 'right', false)) stop();
      }
      return;
    }
    if (!ctrl && R && R.many && (e.key === 'Delete' || e.key === 'Backspace')) {    // one cell: portal.js clears it
      stop();
      if (st.cfg.editable) portalRange.send(st, 'clear', {});
    } else if (e.key === 'Escape' && R && R.many) {
      portalRange.set(st, st.anchor);
    }
  },

  fillKey(st, axis, fromMenu) {
    // Ctrl+D / Ctrl+R: the range's first row (column) into the rest of it; a range of one row (column) takes the
    // cell above (to the left), as Excel does. One cell with ticked rows keeps the fill-down of ticked rows.
    const R = { ...st.rect };
    if (axis === 'down' && R.r1 === R.r2) {
      if (!fromMenu && R.c1 === R.c2 && st.api.getSelectedRows().length) return false;
      if (R.r1 === 0) return true;
      R.r1 -= 1;
    } else if (axis === 'right' && R.c1 === R.c2) {
      if (R.c1 === 0) return true;
      R.c1 -= 1;
    }
    portalRange.send(st, 'fill', { axis, sources: 1, series: false }, R);
    return true;
  },

  send(st, name, extra, R = st.rect) {
    emitEvent(`portal_range_${name}_${st.gridId}`, { range: portalRange.range(st, R), ...extra });
  },

  // --- clipboard ----------------------------------------------------------------------------------------------
  async post(st, what, body, suffix = '') {
    const r = await fetch(`/grid/${st.key}/range/${what}${suffix}`, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const d = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(d.detail || r.statusText);
    return d;
  },

  async copy(st) {
    // the range read on the server (values as shown, hidden columns never), put on the clipboard as TSV and HTML
    const R = st.rect;
    const texts = st.cfg.texts;
    const fetched = portalRange.post(st, 'copy', portalRange.range(st));
    const blob = (type, field) => fetched.then((d) => new Blob([d[field]], { type }));
    portalGrid.message(st.key, texts.copying, false);
    try {
      try {
        await navigator.clipboard.write([new ClipboardItem({ 'text/plain': blob('text/plain', 'tsv'),
                                                             'text/html': blob('text/html', 'html') })]);
      } catch (err) {
        portalRange.copyEvent(await fetched);            // fall back to a copy event of our own
      }
      const d = await fetched;
      portalGrid.message(st.key, texts.copied.replace('{rows}', d.rows).replace('{cols}', R.c2 - R.c1 + 1), false);
      st.copied = R;
    } catch (err) {
      portalGrid.message(st.key, String((err && err.message) || err), true);
    }
  },

  copyEvent(d) {
    const put = (ev) => {
      ev.clipboardData.setData('text/plain', d.tsv);
      ev.clipboardData.setData('text/html', d.html);
      ev.preventDefault();
      ev.stopImmediatePropagation();
    };
    document.addEventListener('copy', put, true);
    try {
      if (!document.execCommand('copy')) throw new Error('copy refused');
    } finally { document.removeEventListener('copy', put, true); }
  },

  onPaste(e) {
    const st = portalRange.owner(e.target);
    if (!st || !st.rect || !st.rect.many || st.api.getEditingCells().length) return;   // one cell: portal.js
    const text = (e.clipboardData || window.clipboardData).getData('text/plain');
    if (!text) return;
    e.preventDefault(); e.stopPropagation();
    portalRange.paste(st, text);
  },

  paste(st, text) {
    // into the range's top-left cell, through the page's paste preview; a block that fits the range a whole
    // number of times (one cell into many) is tiled over it
    const R = st.rect;
    const block = portalRange.parseTsv(text);
    const rows = R.r2 - R.r1 + 1, cols = R.c2 - R.c1 + 1;
    const high = block.length, wide = Math.max(...block.map((r) => r.length));
    let out = text;
    if (high && wide && rows % high === 0 && cols % wide === 0 && (rows > high || cols > wide)) {
      const tiled = [];
      for (let i = 0; i < rows; i++) {
        const source = block[i % high];
        tiled.push(Array.from({ length: cols }, (_, j) => source[j % wide] ?? ''));
      }
      out = portalRange.toTsv(tiled);
    }
    const node = st.api.getDisplayedRowAtIndex(R.r1);
    emitEvent(`portal_paste_${st.gridId}`, {
      rowIndex: R.r1, colId: st.cols[R.c1], rowId: node && node.data ? node.data.id : null,
      version: node && node.data ? node.data._v : null, text: out,
      columns: st.api.getAllDisplayedColumns().map((c) => c.getColId()), query: portalRange.query(st) });
  },

  parseTsv(text) {
    // Excel's clipboard text: tabs between cells, line breaks between rows, "quoted" cells with "" for a quote
    text = text.replace(/\r\n?/g, '\n');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const rows = [[]];
    let cell = '', quoted = false, fresh = true;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch !== '"') cell += ch;
        else if (text[i + 1] === '"') { cell += '"'; i++; }
        else quoted = false;
      } else if (ch === '"' && fresh) { quoted = true; fresh = false; }
      else if (ch === '\t' || ch === '\n') {
        rows[rows.length - 1].push(cell);
        if (ch === '\n') rows.push([]);
        cell = ''; fresh = true;
      } else { cell += ch; fresh = false; }
    }
    rows[rows.length - 1].push(cell);
    return rows;
  },

  toTsv(cells) {
    const quote = (s) => (/[\t\n\r"]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    return cells.map((row) => row.map((c) => quote(String(c))).join('\t')).join('\r\n');
  },

  // --- status bar ---------------------------------------------------------------------------------------------
  status(st) {
    clearTimeout(st.statusTimer);
    st.statusTimer = setTimeout(() => portalRange.showStatus(st), 120);
  },

  async showStatus(st) {
    const bar = document.getElementById(`portal-range-status-${st.key}`);
    const R = st.rect;
    const seq = (st.statusSeq = (st.statusSeq || 0) + 1);
    if (!bar) return;
    if (!R || !R.many) { bar.textContent = ''; return; }
    const texts = st.cfg.texts;
    const size = texts.size.replace('{rows}', (R.r2 - R.r1 + 1).toLocaleString())
      .replace('{cols}', R.c2 - R.c1 + 1);
    let d = portalRange.localStats(st, R);
    if (!d) {
      bar.textContent = `${size} · …`;
      let why = '';
      try {
        d = await portalRange.post(st, 'stats', portalRange.range(st), portalRange.whole(st) ? '?whole=1' : '');
      } catch (err) { d = null; why = String((err && err.message) || err); }
      if (seq !== st.statusSeq) return;
      if (!d) { bar.textContent = `${size} · ${texts.unsummed.replace('{why}', why)}`; return; }
    }
    const fmt = (x) => Number(x).toLocaleString(st.cfg.lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 2 });
    const parts = [size, texts.count.replace('{n}', fmt(d.cells))];
    if (d.numbers) parts.push(texts.sum.replace('{n}', fmt(d.sum)), texts.average.replace('{n}', fmt(d.average)));
    bar.textContent = parts.join(' · ');
  },

  localStats(st, R) {
    // from the cached blocks when they hold the whole range (no block is fetched for this), else null
    if (R.r2 - R.r1 + 1 > portalRange.LOCAL_ROWS) return null;
    const blocks = st.api.getCacheBlockState() || {};
    const size = st.api.getGridOption('cacheBlockSize') || 100;
    for (let b = Math.floor(R.r1 / size); b <= Math.floor(R.r2 / size); b++) {
      if (!blocks[b] || blocks[b].pageStatus !== 'loaded') return null;
    }
    const names = st.cols.slice(R.c1, R.c2 + 1);
    let cells = 0, numbers = 0, sum = 0;
    for (let i = R.r1; i <= R.r2; i++) {
      const node = st.api.getDisplayedRowAtIndex(i);
      if (!node || !node.data) return null;
      for (const name of names) {
        const v = name === '_checks' ? 1 : node.data[name];
        if (v == null || v === '' || (Array.isArray(v) && !v.length)) continue;
        cells++;
        if (st.numeric.has(name) && Number.isFinite(Number(v))) { numbers++; sum += Number(v); }
      }
    }
    return { cells, numbers, sum, average: numbers ? sum / numbers : null };
  },

  // --- context menu -------------------------------------------------------------------------------------------
  onContextMenu(st, e) {
    const hit = portalRange.cellAt(st, e.target);
    if (!hit || st.api.getEditingCells().length) return;
    e.preventDefault(); e.stopPropagation();
    if (!st.rect || !portalRange.inside(st, st.rect, hit)) {
      st.api.setFocusedCell(hit.row, hit.col);
      portalRange.set(st, { row: hit.row, col: hit.col });
    }
    portalRange.menu(st, e.clientX, e.clientY);
  },

  menu(st, x, y) {
    portalRange.closeMenu();
    const texts = st.cfg.texts.menu;
    const items = [['copy', 'Ctrl+C', () => portalRange.copy(st)]];
    if (st.cfg.editable) {
      items.push(['paste', 'Ctrl+V', () => navigator.clipboard.readText().then((text) => text && portalRange.paste(st, text))
                    .catch((err) => portalGrid.message(st.key, String(err.message || err), true))],
                 ['clear', 'Delete', () => portalRange.send(st, 'clear', {})],
                 ['fill_down', 'Ctrl+D', () => portalRange.fillKey(st, 'down', true)],
                 ['fill_right', 'Ctrl+R', () => portalRange.fillKey(st, 'right', true)]);
    }
    const menu = document.createElement('div');
    menu.className = 'portal-range-menu';
    menu.setAttribute('role', 'menu');
    for (const [name, keys, run] of items) {
      const item = document.createElement('button');
      item.type = 'button';
      item.setAttribute('role', 'menuitem');
      item.dataset.command = name;
      const label = document.createElement('span');
      label.textContent = texts[name];
      const hint = document.createElement('kbd');
      hint.textContent = keys;
      item.append(label, hint);
      item.addEventListener('click', () => { portalRange.closeMenu(); run(); });
      menu.append(item);
    }
    document.body.append(menu);
    const box = menu.getBoundingClientRect();
    menu.style.left = `${Math.min(x, window.innerWidth - box.width - 4)}px`;
    menu.style.top = `${Math.min(y, window.innerHeight - box.height - 4)}px`;
  },

  closeMenu() {
    document.querySelectorAll('.portal-range-menu').forEach((m) => m.remove());
  },
};
