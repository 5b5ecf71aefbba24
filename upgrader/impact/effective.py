"""The effective config of a node: what one release makes of a file.

A key the file sets (last occurrence wins) is read with that release's value
grammar; a key it does not set takes that release's code default from the matrix. A
key the release has deprecated takes no effect, and a key it does not know is
ignored, so neither contributes anything to the resource model.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from ..confmodel import Document
from ..matrix import Matrix
from ..values import ValueProblem, read_value
from ..versions import Release, format_version


class Setting(NamedTuple):
    key: str
    value: Optional[str]  # canonical ("yes", "4096", "snappy"); None when the release has no effect for it
    origin: str  # file | default | ignored (deprecated) | absent (not an option) | refused (bad value: default used)
    line: Optional[int] = None
    raw: Optional[str] = None  # refused only: the value the file sets, which the release will not start with


class EffectiveConfig:
    def __init__(self, doc: Document, matrix: Matrix, release: Release) -> None:
        self.matrix = matrix
        self.release = release
        self.era = matrix.release(release).integers
        self._lines = doc.effective()
        self.notes: list[str] = []
        self._cache: dict[str, Setting] = {}

    @property
    def name(self) -> str:
        return format_version(self.release)

    def has(self, key: str) -> bool:
        st = self.matrix.state(key, self.release)
        return st is not None and st.status == "active"

    def setting(self, key: str) -> Setting:
        if key in self._cache:
            return self._cache[key]
        st = self.matrix.state(key, self.release)
        ln = self._lines.get(key)
        lineno = ln.lineno if ln else None
        if st is None:
            s = Setting(key, None, "absent", lineno)
        elif st.status != "active":
            s = Setting(key, None, "ignored", lineno)
        elif ln is None:
            s = Setting(key, st.default, "default")
        else:
            try:
                s = Setting(key, read_value(ln.value, st, self.era).canonical, "file", lineno)
            except ValueProblem:
                # The server would not start; the target check reports it. Model the default meanwhile.
                self.notes.append(f"{key} {ln.value!r} is refused by {self.name}; its default"
                                  f" {st.default!r} is used in this model")
                s = Setting(key, st.default, "refused", lineno, ln.value)
        self._cache[key] = s
        return s

    def text(self, key: str) -> Optional[str]:
        return self.setting(key).value

    def int(self, key: str, otherwise: Optional[int] = None) -> Optional[int]:
        v = self.setting(key).value
        if v is None:
            return otherwise
        try:
            return int(v)
        except ValueError:
            return otherwise

    def yes(self, key: str, otherwise: Optional[bool] = None) -> Optional[bool]:
        v = self.setting(key).value
        return otherwise if v is None else v.lower() == "yes"

    def first_known(self, *keys: str) -> Optional[str]:
        """The first of ``keys`` the release reads (for options renamed across releases)."""
        for k in keys:
            if self.has(k):
                return k
        return None
