"""Console entry point (``kvupgrade`` and ``python -m upgrader``): the typer app in upgrader/cli.py."""

from __future__ import annotations

from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> None:
    from .cli import run

    run(argv)


if __name__ == "__main__":
    main()
