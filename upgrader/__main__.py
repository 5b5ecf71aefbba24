"""Console entry point. ``--version`` answers before typer is imported (startup cost)."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        print(f"kvupgrade {__version__}")
        raise SystemExit(0)
    from .cli import run

    run()


if __name__ == "__main__":
    main()
