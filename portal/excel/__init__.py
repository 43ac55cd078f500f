"""Excel and CSV: exports of what the grid shows, import templates, imports that report every bad cell."""
