"""Users, API tokens and access rights (pure functions over roles)."""
