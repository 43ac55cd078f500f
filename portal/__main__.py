"""python -m portal — see portal/cli.py."""
from .cli import main

raise SystemExit(main())
