"""The shape of the house, checked so it stays true without anyone remembering it: imports point one way between
the packages of portal/ (and pages/), no cycles, web frameworks only in the layers that serve, row models only in
store/ and records/, a docstring on every module, modules and functions of a readable size."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# a package may import its own rank and below (same-rank imports are fine as long as there is no cycle)
RANKS = {
    'config': 0, 'i18n': 0, 'errors': 0, 'registry': 0, 'events': 0, 'private': 0,
    'schema': 1,
    'runtime': 2, 'fields': 2,
    'rules': 3,
    'catalog': 4,
    'store': 5,
    'people': 6,
    'records': 7,
    'excel': 8, 'dashboards': 8, 'boot': 8,
    'web': 9, 'ui': 9, 'cli': 9,
    'pages': 10, 'app': 10, '__main__': 11, '': 11,
}
SERVING = ('portal.web', 'portal.ui', 'portal.app', 'pages')
FRAMEWORKS = ('nicegui', 'fastapi', 'starlette')


def _modules() -> dict[str, Path]:
    out = {}
    for path in [*(ROOT / 'portal').rglob('*.py'), *(ROOT / 'pages').rglob('*.py')]:
        parts = list(path.relative_to(ROOT).with_suffix('').parts)
        if parts[-1] == '__init__':
            parts = parts[:-1]
        out['.'.join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported name, line) of every import in the file, relative ones made absolute (inside functions too)."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    package = module.split('.') if path.name == '__init__.py' else module.split('.')[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                base = '.'.join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            found += [(f'{base}.{a.name}', node.lineno) for a in node.names] if not node.module or node.level \
                else [(base, node.lineno)]
    return found


def _target(name: str) -> str | None:
    """The project module an imported name resolves to (the longest known prefix)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition('.')[0]
    return None


def _layer(module: str) -> str:
    parts = module.split('.')
    return 'pages' if parts[0] == 'pages' else (parts[1] if len(parts) > 1 else '')


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for name, _ in _imports(module, path):
            target = _target(name)
            if target and target != module:
                graph[module].add(target)
    return graph


def test_every_layer_has_a_rank():
    assert {_layer(m) for m in MODULES} <= set(RANKS), {_layer(m) for m in MODULES} - set(RANKS)


def test_imports_point_one_way():
    against = []
    for module, path in MODULES.items():
        for name, line in _imports(module, path):
            target = _target(name)
            if target and target not in ('portal', 'pages') and RANKS[_layer(target)] > RANKS[_layer(module)]:
                against.append(f'{path.relative_to(ROOT)}:{line} imports {target}')
    assert against == []


def test_no_import_cycles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:             # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_only_the_serving_layers_import_web_frameworks():
    found = [f'{path.relative_to(ROOT)}:{line} {name}' for module, path in MODULES.items()
             if not module.startswith(SERVING) for name, line in _imports(module, path)
             if name.split('.')[0] in FRAMEWORKS]
    assert found == []


def test_row_models_are_read_in_store_and_records_only():
    found = [str(path.relative_to(ROOT)) for module, path in MODULES.items()
             if not module.startswith(('portal.store', 'portal.records')) and 'row_model(' in path.read_text()]
    assert found == []


def test_every_module_says_what_it_is_for_and_stays_readable():
    problems = []
    for module, path in MODULES.items():
        source = path.read_text(encoding='utf-8')
        tree = ast.parse(source)
        if not ast.get_docstring(tree):
            problems.append(f'{path.relative_to(ROOT)}: no docstring')
        if len(source.splitlines()) > 400:
            problems.append(f'{path.relative_to(ROOT)}: {len(source.splitlines())} lines')
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                problems.append(f'{path.relative_to(ROOT)}:{node.lineno} {node.name}: '
                                f'{node.end_lineno - node.lineno + 1} lines')
    assert problems == []


def test_the_rules_catch_what_they_are_for():
    """The checks above are not vacuous: an upward import and a cycle in a made-up graph are found."""
    assert RANKS[_layer('portal.store.db')] < RANKS[_layer('portal.records.write')]
    assert _target('portal.records.write.Writer') == 'portal.records.write'
    assert _layer('pages.home') == 'pages' and _layer('portal.app') == 'app'
