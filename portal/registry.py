"""One generic registry for the engine's plug-in families — field types, rule kinds, dashboard widget kinds, report
kinds: each class registers itself with one decorator line, everything else asks the registry by name."""
from __future__ import annotations

import importlib
from typing import Generic, TypeVar

T = TypeVar('T')


class Registry(Generic[T]):
    """Named singletons of one family. A name registered twice is a programming error, never a silent overwrite."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: `@field_types.register` on a class with a `name`."""
        name = cls.name
        if name in self._items:
            raise ValueError(f'{self.what} {name!r} registered twice')
        self._items[name] = cls()
        return cls

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._items))

    def all(self) -> list[T]:
        return [self._items[n] for n in self.names()]


field_types: Registry = Registry('field type')
rule_kinds: Registry = Registry('rule kind')
widget_kinds: Registry = Registry('widget kind')
report_kinds: Registry = Registry('report kind')

# where each family's classes live: importing them registers them. Loaded by name (a plug-in lookup, like entry
# points): the catalog checks widget and report kinds without depending on the layer that runs them.
PLUGINS = ('portal.fields', 'portal.rules', 'portal.dashboards')


def load_plugins() -> None:
    for module in PLUGINS:
        importlib.import_module(module)
