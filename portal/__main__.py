"""python -m portal: the command line (portal/cli), with the app as what `run` serves."""
from .cli.main import main


def serve(*args, **kwargs) -> int:
    from .app import run  # NiceGUI loads only for `run` (importing it takes ~1.5 s a command need not wait)
    return run(*args, **kwargs)


raise SystemExit(main(serve=serve))
