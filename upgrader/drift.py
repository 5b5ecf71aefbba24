"""A config file against what its running node reports: drift before an upgrade, verification after.

Pure: takes the file's text and a ``NodeState`` (upgrader.live reads it), returns ``Finding``s
and plain results. Values are compared as the release reads them (upgrader.values): ``yes``/``YES``,
``0x10``/``16`` (2.3-2.13), ``512m``/``536870912`` and ``Snappy``/``snappy`` are each one value.
Never imports the Redis client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .confmodel import Document, Line
from .errors import KvUpgradeError
from .exitcodes import Exit
from .findings import Finding
from .matrix import Matrix, OptionState
from .nodestate import NodeState
from .quoting import quoted
from .redact import MASK
from .values import ValueProblem, read_value
from .versions import Release, VersionError, format_version, parse_version

# Options CONFIG GET never reports even though the node reads them: rename-command (a list,
# applied at start) and the namespace.<name> tokens (moved into the database at start). They can
# be neither compared nor called ignored.
def _unreported(key: str) -> bool:
    return key == "rename-command" or key.startswith("namespace.")


# Seconds: uptime has a 1 s granularity, and a file written in the second the node started was read by it.
MTIME_SLACK = 2.0


@dataclass(frozen=True)
class NodeRelease:
    release: Optional[Release]  # None: a development build of a commit no release pin names
    confidence: str  # exact | branch-cut | unknown
    how: str  # one sentence for the report


def node_release(version: str, git_sha: Optional[str], matrix: Matrix) -> NodeRelease:
    """The release a node runs, from ``kvrocks_version`` and ``kvrocks_git_sha1``. A development
    build reports ``unstable``: its commit is looked up in the matrix's release pins (a build of the
    commit a release branch was cut from runs that release's options)."""
    text = version.strip()
    if text.lower() in ("unstable", "nightly", ""):
        info = matrix.release_for_commit(git_sha) if git_sha else None
        if info is None:
            return NodeRelease(None, "unknown",
                               f"a development build ({quoted(text, 40)}, commit {git_sha or 'not reported'}) "
                               "that no release pin names: give the release with --from")
        kind = "exact" if info.pin.startswith("tag") else "branch-cut"
        return NodeRelease(info.version, kind,
                           f"a development build of commit {git_sha}, the {info.pin.split()[0]} pin of "
                           f"{info.name} in the matrix")
    try:
        release = parse_version(text)
    except VersionError:
        return NodeRelease(None, "unknown", f"kvrocks_version {quoted(text, 40)} is not a version: give --from")
    return NodeRelease(release, "exact", f"kvrocks_version {format_version(release)}")


class SourceReleaseError(KvUpgradeError):
    """The node's release cannot be used as the plan's source (unknown, or not the one given)."""


def source_release(node: NodeState, matrix: Matrix, given: Optional[Release] = None) -> tuple[Release, NodeRelease]:
    """The release ``plan --live`` plans from: the node's, or ``given`` (``--from``) for a
    development build no pin names. A ``given`` release that contradicts an exact
    ``kvrocks_version`` is refused (the plan would be for another node). ``given`` is the
    Request's source: a Release, or None for auto."""
    nr = node_release(node.version, node.git_sha, matrix)
    if given is not None:  # --from, resolved by the Request (None: auto)
        wanted = matrix.resolve(given)
        if nr.release is not None and nr.confidence == "exact" and nr.release != wanted:
            raise SourceReleaseError(f"the node runs {format_version(nr.release)} ({nr.how}), "
                                     f"not {format_version(wanted)} as --from says", path=node.target)
        return wanted, nr
    if nr.release is None:
        raise SourceReleaseError(f"cannot tell the release the node runs: {nr.how}", path=node.target)
    return nr.release, nr


def same_value(file_value: str, node_value: str, state: Optional[OptionState], era: str) -> bool:
    """Whether the file's value and the node's ``CONFIG GET`` answer are one value for the release."""
    if file_value == node_value:
        return True
    if state is None or state.name in _WORD_LISTS:
        return file_value.split() == node_value.split()
    try:
        return read_value(file_value, state, era).canonical == read_value(node_value, state, era).canonical
    except ValueProblem:  # a value the release refuses cannot be running: only the same text is equal
        return False


# String options Kvrocks splits into words (CONFIG GET answers them joined by one space).
_WORD_LISTS = frozenset({"bind", "slaveof", "replicaof"})


def _show(key: str, value: str, matrix: Matrix) -> str:
    return MASK if matrix.is_secret(key) else quoted(value, 60)


def _finding(rule: str, key: str, severity: str, message: str, line: Optional[Line] = None, *,
             before: Optional[str] = None, after: Optional[str] = None, why: str = "") -> Finding:
    return Finding(id=f"{rule}/{key}", rule=rule, option=key, severity=severity, message=message,
                   line=line.lineno if line else None, before=before, after=after, why=why, evidence="live")


def _file(file_text: str, matrix: Matrix, release: Release) -> Document:
    return Document.parse(file_text, matrix.release(release).grammar)  # type: ignore[arg-type]


def edited_since_start(node: NodeState, file_mtime: Optional[float]) -> bool:
    started = node.started_at
    return file_mtime is not None and started is not None and file_mtime > started + MTIME_SLACK


def drift(file_text: str, node: NodeState, matrix: Matrix, release: Release, *,
          file_mtime: Optional[float] = None) -> list[Finding]:
    """What differs between the file and the node running ``release``, both ways:

    * ``live/file-edited``: the file changed after the node started (its mtime; meaningful when the
      file is the node's own, not a copy): the node does not run the file's changes yet.
    * ``live/differs``: the file sets a key the node runs with another value: a ``CONFIG SET``
      since the start (lost at the restart the upgrade needs) or an edit not yet loaded.
    * ``live/runtime-only``: the file does not set a key whose running value is not the release's
      default: a ``CONFIG SET`` (or a command-line flag) the file does not keep.
    * ``live/ignored``: the file sets a key the node does not report at all: the running release
      ignores it (deprecated or unknown, e.g. the row cache on 2.13+).
    """
    doc = _file(file_text, matrix, release)
    era = matrix.release(release).integers
    out: list[Finding] = []
    edited = edited_since_start(node, file_mtime)
    if edited:
        out.append(_finding("live/file-edited", "*", "warning",
                            "the file was modified after the node started: the node does not run its "
                            "changes yet (they take effect at the next restart, the upgrade's)"))
    cause = ("the file was edited after the node started" if edited else
             "set at runtime with CONFIG SET and never written to the file: the restart the upgrade needs "
             "loses it")
    effective = doc.effective()
    for key, line in effective.items():
        if _unreported(key):
            continue
        state = matrix.state(key, release)
        if key not in node.reported:
            out.append(_ignored(key, line, state, release, matrix))
            continue
        if _reads_back(key, line.value, node, state, era, matrix):
            continue
        running = MASK if matrix.is_secret(key) else node.config.get(key, "")
        out.append(_finding(
            "live/differs", key, "warning",
            f"{key}: the node runs {_show(key, running, matrix)}, the file says {_show(key, line.value, matrix)} "
            f"({cause})", line, before=_shown_value(key, line.value, matrix), after=_shown_value(key, running, matrix)))
    for key, running in sorted(node.config.items()):
        if key in effective or _unreported(key):
            continue
        state = matrix.state(key, release)
        if state is None or state.default is None or same_value(state.default, running, state, era):
            continue
        out.append(_finding(
            "live/runtime-only", key, "warning",
            f"{key}: the node runs {_show(key, running, matrix)}, but the file does not set it (the default is "
            f"{_show(key, state.default, matrix)}): set with CONFIG SET or a command-line flag; the restart "
            "the upgrade needs loses it unless the file or the flags keep it",
            before=_shown_value(key, state.default, matrix), after=_shown_value(key, running, matrix)))
    for key in sorted(node.secret_digests):
        if key in effective or _unreported(key):
            continue
        state = matrix.state(key, release)
        if state is not None and not node.secret_matches(key, state.default or ""):
            out.append(_finding(
                "live/runtime-only", key, "warning",
                f"{key}: the node runs a value the file does not set ({MASK}): set with CONFIG SET; the restart "
                "the upgrade needs loses it", before=MASK, after=MASK))
    return out


def _shown_value(key: str, value: str, matrix: Matrix) -> str:
    return MASK if matrix.is_secret(key) else value


def _reads_back(key: str, value: str, node: NodeState, state: Optional[OptionState], era: str,
                matrix: Matrix) -> bool:
    if key in node.secret_digests:
        return node.secret_matches(key, value)
    return same_value(value, node.config.get(key, ""), state, era)


def _ignored(key: str, line: Line, state: Optional[OptionState], release: Release, matrix: Matrix) -> Finding:
    why = ("deprecated in this release" if state is not None and state.status == "deprecated" else
           "not an option of this release" if state is None else "not reported by the node")
    return _finding("live/ignored", key, "warning",
                    f"{key} is set in the file but the node (Kvrocks {format_version(release)}) does not report it: "
                    f"it is ignored ({why}); the setting has no effect", line, why=why)


@dataclass
class Verification:
    """``verify``'s result: the node runs the target, and every setting of the file reads back."""

    target: str
    node_release: NodeRelease
    checked: int  # settings of the file compared with the node
    findings: list[Finding] = field(default_factory=list)
    unverifiable: list[str] = field(default_factory=list)  # keys CONFIG GET never reports

    @property
    def runs_target(self) -> bool:
        return self.node_release.release is not None and format_version(self.node_release.release) == self.target

    @property
    def ok(self) -> bool:
        return self.runs_target and not self.findings

    @property
    def exit_code(self) -> Exit:
        """0 verified; 4 the node does not run the target (the upgrade did not happen); 3 it does,
        but a setting reads back different or is ignored."""
        if not self.runs_target:
            return Exit.BLOCKED
        return Exit.CHANGES if self.findings else Exit.OK

    def to_dict(self) -> dict[str, object]:
        nr = self.node_release
        return {"target": self.target, "ok": self.ok, "runs_target": self.runs_target,
                "node_release": format_version(nr.release) if nr.release else None,
                "confidence": nr.confidence, "how": nr.how, "checked": self.checked,
                "findings": [f.to_dict() for f in self.findings], "unverifiable": list(self.unverifiable)}


def verify(file_text: str, node: NodeState, matrix: Matrix, target: Release) -> Verification:
    """After the restart on the new binary: the node runs ``target``, every active setting of the
    file reads back equal (as ``target`` reads values), and nothing in the file is ignored."""
    nr = node_release(node.version, node.git_sha, matrix)
    doc = _file(file_text, matrix, target)
    era = matrix.release(target).integers
    result = Verification(format_version(target), nr, 0)
    if not result.runs_target:
        result.findings.append(_finding(
            "live/release", "*", "error",
            f"the node runs {format_version(nr.release) if nr.release else 'an unknown release'}, not "
            f"{format_version(target)} ({nr.how})"))
    for key, line in doc.effective().items():
        if _unreported(key):
            result.unverifiable.append(key)
            continue
        state = matrix.state(key, target)
        if key not in node.reported or (state is not None and state.status == "deprecated"):
            result.findings.append(_ignored(key, line, state, target, matrix))
            continue
        result.checked += 1
        if not _reads_back(key, line.value, node, state, era, matrix):
            running = node.config.get(key, "")
            result.findings.append(_finding(
                "live/differs", key, "warning",
                f"{key}: the file says {_show(key, line.value, matrix)}, the node reads back "
                f"{_show(key, running, matrix)}", line,
                before=_shown_value(key, line.value, matrix), after=_shown_value(key, running, matrix)))
    return result

__all__ = ["NodeRelease", "SourceReleaseError", "source_release", "Verification", "drift", "edited_since_start", "node_release", "same_value", "verify"]
