"""Entry point for NiceGUI's `user` fixture: builds the portal app on a test database."""
