"""Kvrocks command-line flags (2.2.0+, #1037): ``--<key> <value>`` pairs after the binary.

Pairs apply after the conf file, in order; values are raw argv (no quote, escape or
``#`` processing). ``-c/--config FILE`` names the file; ``--key=value`` is read as the
key ``key=value`` and swallows the next word; a flag without a value stops startup.

``Arg`` is one argv word found in a carrier; its ``Container`` (shell-like text or a
YAML list) knows how to splice it. ``flags_unit`` turns a word list into a Unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol

from ..confmodel import format_value
from ..matrix import Matrix
from .engine import Occurrence, ReadOnly, Result, Unit, carrier_finding

STRINGY = ("string", "multistring")


@dataclass
class Arg:
    value: str
    line: int
    dynamic: bool = False  # decided at deploy/run time ($VAR, ${VAR}, $(VAR))
    splits: bool = False  # may expand to several words or none
    raw: str = ""
    ref: Any = None  # the container's handle (a lexer Word, a YAML node)
    box: Any = None  # the Container holding it, when a unit's words come from several


class Container(Protocol):
    def replace_key(self, arg: Arg, old_key: str, new_key: str) -> Result: ...
    def replace_value(self, arg: Arg, new: str) -> Result: ...
    def remove_pair(self, flag: Arg, value: Arg, why: str) -> Result: ...


class FlagEditor:
    def __init__(self, box: Container, flag: Arg, value: Arg, key: str) -> None:
        self.box, self.flag, self.value, self.key = box, flag, value, key

    def rename(self, new_key: str) -> Result:
        if self.flag.dynamic:
            return "the flag name holds a variable expansion"
        return self.box.replace_key(self.flag, self.key, new_key)

    def set_value(self, new_value: str) -> Result:
        if self.value.dynamic:
            return f"the value {self.value.raw} is expanded at deploy/run time; change its source"
        return self.box.replace_value(self.value, new_value)

    def remove(self, why: str) -> Result:
        if self.flag.splits or self.value.splits:
            return (f"{self.value.raw or self.flag.raw} is an unquoted expansion that may become several words or"
                    " none, so dropping two words could shift the flags after it")
        return self.box.remove_pair(self.flag, self.value, why)


def check_value(key: str, arg: Arg, m: Matrix) -> str:
    """The value a check can use: an expansion's result is unknown, so a typed option gets
    its default (key-level findings still fire, value checks stay quiet)."""
    if not arg.dynamic:
        return arg.value
    st = next((s for s in (m.state(key, r.version) for r in reversed(m.releases)) if s), None)
    if st is not None and st.type not in STRINGY and st.default not in (None, ""):
        return st.default
    return arg.value


def flags_unit(label: str, args: list[Arg], box: Optional[Container], m: Matrix, *, kind: str) -> Unit:
    unit = Unit(label=label, flags=True)
    uncertain: Optional[str] = None
    i = 0
    while i < len(args):
        a = args[i]
        v = a.value
        if a.splits or (a.dynamic and v in ("$@", "$*")):  # "$@" is every argument the script got: any number
            uncertain = uncertain or f"{a.raw} before it may expand to several words"
            unit.findings.append(carrier_finding(
                "argv-expansion", v, "info",
                f"{label}: {a.raw} expands at run time into an unknown number of words; the flags after it are"
                " read as written but not edited.", a.line))
            i += 1
            continue
        if v in ("-c", "--config"):
            i += 2
            continue
        if v in ("-v", "--version", "-h", "--help"):
            unit.findings.append(carrier_finding(
                "argv-exit", v, "error", f"{label}: {v} makes kvrocks print and exit: the server does not start.",
                a.line))
            i += 1
            continue
        if not v.startswith("--"):
            unit.findings.append(carrier_finding(
                "argv-positional", v, "warning",
                f"{label}: {a.raw or v!r} is not part of a --key value pair; kvupgrade does not check it.", a.line))
            i += 1
            continue
        key = v[2:]
        if i + 1 >= len(args):
            unit.findings.append(carrier_finding(
                "argv-missing-value", key, "error",
                f"{label}: {v} has no value: kvrocks prints its usage and exits with status 1.", a.line))
            break
        val = args[i + 1]
        if "=" in key:
            if m.is_secret(key.split("=", 1)[0]):  # the finding below quotes the word: mask its value part
                unit.secrets += [key.split("=", 1)[1], a.raw]
            unit.findings.append(carrier_finding(
                "argv-equals", key.split("=", 1)[0], "error",
                f"{label}: {v} is read as the key {key!r} (kvrocks does not split on '='), and it takes"
                f" {val.raw or val.value!r} as its value; write '{v.split('=', 1)[0]} {v.split('=', 1)[1]}'.",
                a.line))
            i += 2
            continue
        if val.dynamic:
            unit.findings.append(carrier_finding(
                "argv-dynamic", key, "info",
                f"{label}: the value of {v} ({val.raw}) is decided at deploy/run time; only the key is checked.",
                val.line))
        if val.value == "" and not val.dynamic:
            unit.findings.append(carrier_finding(
                "argv-empty-value", key, "warning",
                f"{label}: {v} gets an empty value, which flags apply (a conf line cannot): an empty string,"
                " fatal for a number.", val.line))
        if m.is_secret(key) and not val.dynamic:
            unit.secrets += [val.value, val.raw]
        conf = f"{key} {format_value(check_value(key, val, m))}"
        fbox, vbox = a.box or box, val.box or box
        if uncertain:
            editor: Any = ReadOnly(f"a word before it ({uncertain}) makes the argv positions uncertain")
        elif fbox is not vbox:
            editor = ReadOnly("the flag and its value sit in different lists (command: and args:)")
        else:
            editor = FlagEditor(fbox, a, val, key)
        unit.occurrences.append(Occurrence(key=key, conf=conf, line=a.line, editor=editor))
        i += 2
    return unit
