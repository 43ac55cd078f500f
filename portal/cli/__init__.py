"""The command line: one command table; data and operations commands."""
