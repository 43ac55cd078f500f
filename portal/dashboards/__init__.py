"""Dashboard widget kinds and declared reports: each kind registers itself (portal.registry) when this package is
imported; the dashboard page shows whatever the kinds return, the way each kind says it is presented."""
from . import pay, reports, sales, tables, widgets  # noqa: F401  (importing them registers the kinds)
