"""运营台 · Ops Portal — the engine: schemas → registers → database, services and UI."""

__version__ = '0.1.0'
