"""Schema files → Catalog: load, structural and cross-reference checks, roles, dashboards, regulations."""
