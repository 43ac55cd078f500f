"""The NiceGUI layer: page frame, login, the generic register page and its dialogs."""
