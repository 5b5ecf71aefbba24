"""Run the ``kvupgrade`` command line in-process: typer's CliRunner isolation around ``cli.run``,
so the whole entry point (click's usage errors, the internal-error guard) is in the path. A
subprocess costs an interpreter start and every import per call; the console script, exit codes
seen by a shell and signals keep their subprocess tests in tests/test_cli_contract.py."""

from __future__ import annotations

import sys
from typing import Mapping, NamedTuple, Optional


class Ran(NamedTuple):
    """The fields of subprocess.CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


def kv(*args: str, stdin: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> Ran:
    from typer.testing import CliRunner

    from upgrader import cli

    code = 0
    with CliRunner().isolation(input=stdin, env={"NO_COLOR": "1", **(env or {})}) as (out, err, _):
        try:
            cli.run(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()  # the isolated streams buffer; what is unflushed is lost on leaving
            sys.stderr.flush()
            texts = [s.getvalue().decode("utf-8", "replace") for s in (out, err)]  # closed on leaving
    return Ran(code, *texts)
