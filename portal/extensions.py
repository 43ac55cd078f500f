"""Registration functions of optional page groups, called by app.build (kept here to avoid import cycles)."""
ALL: list = []
