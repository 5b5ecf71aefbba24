"""The exit-code contract, in one place (also in the README; pinned by tests/test_cli_contract.py).

0  nothing to do: no change needed, no warning or error finding left
1  error: bad input, unreadable or unwritable file, unknown version, bad matrix
2  usage error (click/typer's own code: unknown option, missing argument)
3  changes needed (plan, check) or made (apply): the file is, or would be, rewritten,
   or findings of warning/error severity remain for the operator
4  blockers: even after the fixes kvupgrade applies, the target would refuse the config
   (error findings left); wins over 3
For several files the worst outcome wins: 1 > 4 > 3 > 0.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CHANGES = 3
    BLOCKED = 4


_RANK = {Exit.OK: 0, Exit.CHANGES: 1, Exit.BLOCKED: 2, Exit.ERROR: 3, Exit.USAGE: 4}


def worst(codes: "list[Exit]") -> Exit:
    return max(codes, key=lambda c: _RANK[c], default=Exit.OK)
