"""One modelled figure of a node (a cache size, a trigger, a rate limit) and how it prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, Union

Value = Union[int, str, bool, None]
AREAS = ("memory", "compaction", "disk", "write-stalls", "throughput")


class Quantity(NamedTuple):
    area: str  # one of AREAS
    id: str  # stable within its area, e.g. "block_cache"
    label: str
    value: Value
    unit: Optional[str] = None  # MB, GB, MB/s, bytes/s, keys/s, files, s, threads, ...
    options: tuple[str, ...] = ()  # the options it is computed from
    formula: str = ""  # how, in words and numbers, e.g. "64 MB x 4 x 7 column families"
    special: tuple[tuple[int, str], ...] = ()  # values with a meaning of their own: ((0, "unlimited"),)
    note: str = ""

    def shown(self) -> str:
        return show(self.value, self.unit, self.special)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "label": self.label, "value": self.value, "unit": self.unit,
                             "shown": self.shown(), "options": list(self.options)}
        if self.formula:
            d["formula"] = self.formula
        if self.note:
            d["note"] = self.note
        return d


def show(value: Value, unit: Optional[str] = None, special: tuple[tuple[int, str], ...] = ()) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    for v, meaning in special:
        if value == v:
            return meaning
    return f"{value} {unit}" if unit and isinstance(value, int) else str(value)


@dataclass
class Change:
    """A figure that differs between the node before and after the upgrade."""

    area: str
    id: str
    label: str
    before: Value
    after: Value
    unit: Optional[str]
    options: tuple[str, ...]
    shown_before: str
    shown_after: str
    delta: Optional[int] = None  # after - before, when both are plain numbers with a unit

    def to_dict(self) -> dict[str, Any]:
        d = {"area": self.area, "id": self.id, "label": self.label, "before": self.before, "after": self.after,
             "unit": self.unit, "shown_before": self.shown_before, "shown_after": self.shown_after,
             "options": list(self.options)}
        if self.delta is not None:
            d["delta"] = self.delta
        return d


def change(b: Quantity, a: Quantity) -> Optional[Change]:
    # Equal as shown is no change: two special values with one meaning (0 and the maximum of a
    # limit both "unlimited") are the same figure to the node.
    if b.shown() == a.shown():
        return None
    delta = None
    plain = (isinstance(b.value, int) and isinstance(a.value, int)
             and not isinstance(b.value, bool) and not isinstance(a.value, bool))
    # A 0 that means "unlimited" (or a -1 that means "derived") is not a number to subtract.
    specials = {v for v, _ in a.special + b.special}
    if plain and b.unit and not specials & {a.value, b.value}:
        delta = int(a.value) - int(b.value)  # type: ignore[arg-type]
    return Change(b.area, b.id, b.label, b.value, a.value, b.unit or a.unit, tuple(dict.fromkeys(b.options + a.options)),
                  b.shown(), a.shown(), delta)
