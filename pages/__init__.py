"""Custom pages beyond the generated register pages: home, regulations, admin, settings, dashboards."""
