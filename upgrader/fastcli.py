"""A fast path for plain ``plan``/``apply``/``check`` command lines: no typer import.

typer (with its vendored click) costs 50–80 ms of start-up, most of a single-file run. The
options of these three commands are declared once, in ``cli.py``; ``cli_spec.json`` is their
description derived from the typer app (``python -m upgrader.fastcli --write``; a test fails when
the two differ). ``parse`` reads argv against that spec the way click does for the plain forms
(``--opt value``, ``--opt=value``, ``-f value``, ``-fvalue``, flags, repeated options, ``--``) and
gives up (returns None) on anything else: help, an unknown or malformed option, a missing
required option, a bad choice or integer, shell completion. Then typer runs as before and prints
its own usage error, so the user-facing contract has one owner.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

SPEC_FILE = Path(__file__).with_name("cli_spec.json")
COMPLETE_VAR = "_KVUPGRADE_COMPLETE"


_TYPES = {"StringParamType": "str", "IntParamType": "int", "BoolParamType": "bool", "Choice": "choice",
          "TyperChoice": "choice", "Path": "path", "TyperPath": "path"}


def spec_from_app() -> dict[str, list[dict[str, Any]]]:
    """The parameters of the fast-path commands, read off the typer app (imports typer)."""
    import typer.main

    from . import cli, commands

    group = typer.main.get_command(cli.app)
    spec: dict[str, list[dict[str, Any]]] = {}
    for name in commands.COMMANDS:
        params = []
        for p in group.commands[name].params:  # type: ignore[attr-defined]
            t = p.type
            kind = _TYPES.get(type(t).__name__, "other")  # "other": the fast path leaves it to typer
            default = p.default.value if hasattr(p.default, "value") else p.default
            params.append({
                "name": p.name, "argument": p.param_type_name == "argument", "opts": list(p.opts),
                "secondary": list(p.secondary_opts), "flag": bool(getattr(p, "is_flag", False)),
                "multiple": bool(p.multiple or p.nargs == -1), "required": bool(p.required), "type": kind,
                "choices": list(t.choices) if kind == "choice" else None, "default": default,
                # None where the option class has no flag_value (typer's own: a bool flag stores True)
                "flag_value": getattr(p, "flag_value", None) if getattr(p, "is_flag", False) else None,
            })
        spec[name] = params
    return spec


def parse(argv: list[str], spec: dict[str, list[dict[str, Any]]]) -> Optional[tuple[str, dict[str, Any]]]:
    """(command, keyword arguments) for a plain command line, or None to let typer handle it."""
    if not argv or argv[0] not in spec or os.environ.get(COMPLETE_VAR):
        return None
    params = spec[argv[0]]
    by_opt = {o: p for p in params if not p["argument"] for o in p["opts"]}
    positional = next((p for p in params if p["argument"]), None)
    values: dict[str, Any] = {}
    args: list[str] = []
    rest = argv[1:]
    i = 0
    while i < len(rest):
        tok = rest[i]
        i += 1
        if tok == "--":
            args.extend(rest[i:])
            break
        if not tok.startswith("-") or tok == "-":
            args.append(tok)
            continue
        value: Optional[str] = None
        if tok.startswith("--"):
            opt, eq, attached = tok.partition("=")
            if eq:
                value = attached
        else:  # -f json, -fjson
            opt, attached = tok[:2], tok[2:]
            value = attached or None
        p = by_opt.get(opt)
        if p is None:
            return None  # --help, unknown options, grouped short flags: typer's to answer
        if p["flag"]:
            if value is not None or p["type"] != "bool" or p["flag_value"] not in (None, True):
                return None  # a flag with a value, or a flag that stores something else: typer's
            values[p["name"]] = True
            continue
        if value is None:
            if i >= len(rest) or (rest[i].startswith("-") and rest[i] != "-"):
                return None  # missing value, or one click might read differently
            value = rest[i]
            i += 1
        converted = _convert(p, value)
        if converted is None:
            return None
        if p["multiple"]:
            values.setdefault(p["name"], []).append(converted)
        else:
            values[p["name"]] = converted
    if args:
        if positional is None:
            return None
        values[positional["name"]] = args
    kwargs: dict[str, Any] = {}
    for p in params:
        if p["name"] in values:
            kwargs[p["name"]] = values[p["name"]]
        elif p["required"]:
            return None
        else:
            kwargs[p["name"]] = p["default"]
    return argv[0], kwargs


def _convert(p: dict[str, Any], value: str) -> Any:
    if p["type"] == "int":
        try:
            return int(value)
        except ValueError:
            return None
    if p["type"] == "choice":
        return value if value in p["choices"] else None
    if p["type"] == "path":
        return Path(value)
    if p["type"] == "str":
        return value
    return None


def run(argv: list[str]) -> Optional[int]:
    """Run a plain command line without typer; None when it is not one (or it is a usage error)."""
    if os.environ.get("KVUPGRADE_NO_FASTPATH"):
        return None
    try:
        spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    parsed = parse(argv, spec)
    if parsed is None:
        return None
    from . import commands

    name, kwargs = parsed
    try:
        return commands.COMMANDS[name](**kwargs)
    except commands.Usage:
        return None  # raised before any work: typer reruns it and prints click's usage error


if __name__ == "__main__":  # python -m upgrader.fastcli --write: refresh cli_spec.json from cli.py
    text = json.dumps(spec_from_app(), indent=1) + "\n"
    if sys.argv[1:] == ["--write"]:
        SPEC_FILE.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
