"""Console entry point. ``--version`` and plain plan/apply/check command lines run before typer
is imported (start-up cost, see upgrader/fastcli.py); everything else goes through typer."""

from __future__ import annotations

import os
import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):
        from . import __version__

        print(f"kvupgrade {__version__}")
        raise SystemExit(0)
    from .fastcli import run as fast

    try:
        code = fast(argv)
    except BrokenPipeError:
        from .commands import closed_pipe

        closed_pipe()
    except KeyboardInterrupt:  # as click reports it on the typer path
        sys.stderr.write("Aborted!\n")
        raise SystemExit(1) from None
    except Exception as exc:  # the same guard as cli.run: never a traceback with locals (secrets)
        if os.environ.get("KVUPGRADE_DEBUG"):
            raise
        from .exitcodes import Exit

        sys.stderr.write(f"kvupgrade: internal error: {type(exc).__name__} (set KVUPGRADE_DEBUG=1 for a traceback)\n")
        raise SystemExit(int(Exit.ERROR)) from None
    if code is not None:
        raise SystemExit(code)
    from .cli import run

    run()


if __name__ == "__main__":
    main()
