"""FastAPI: auth middleware and sessions, the REST API, the grid's data endpoints."""
