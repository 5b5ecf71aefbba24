"""Live nodes in a fleet run: ``plan --live`` (drift, the node's release as the source) and
``verify --live`` (after the restart: the node runs the target and reads the file back).

The password and TLS options are read once at the edge into a ``LiveSpec``; each worker reads a
node once (cached by address) and turns what it found into findings of the file's record, so every
``--format`` shows them. A node that cannot be read is that file's error (exit 1), never the run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding, Plan, RenderedUnit
    from ..live import Target, TLSOptions
    from ..nodestate import NodeState
    from ..request import Request

FROM_INVENTORY = "@inventory"  # --live @inventory: each file's node is its inventory entry's `node`


@dataclass(frozen=True)
class LiveSpec:
    target: Optional["Target"]  # None: every file's node comes from the inventory
    password: Optional[str] = field(default=None, repr=False)
    tls: Optional["TLSOptions"] = None
    connect_timeout: float = 3.0
    timeout: float = 5.0


class NodeCache:
    """One read per node per worker (a fleet often has several files per node)."""

    def __init__(self, spec: LiveSpec) -> None:
        self.spec = spec
        self.nodes: dict[Any, Any] = {}  # Target -> NodeState, or the LiveError its read raised

    def read(self, target: "Target", matrix: Any) -> "NodeState":
        from ..live import read_node

        if target not in self.nodes:
            s = self.spec
            try:
                self.nodes[target] = read_node(target, password=s.password, tls=s.tls,
                                               connect_timeout=s.connect_timeout, timeout=s.timeout, matrix=matrix)
            except Exception as exc:  # LiveError: said for every file of this node, read once
                self.nodes[target] = exc
        got = self.nodes[target]
        if isinstance(got, Exception):
            raise got
        return got  # type: ignore[no-any-return]


def target_for(spec: LiveSpec, node: Optional[str], path: str) -> "Target":
    """The file's node: its inventory entry's, else ``--live``'s."""
    from ..live import LiveUsageError, parse_target

    if node is not None:
        try:
            return parse_target(node)
        except LiveUsageError as exc:
            raise LiveUsageError(f"the inventory's node for this file: {exc.message}", path=path) from None
    if spec.target is None:
        raise LiveUsageError("the inventory names no node for this file (--live @inventory)", path=path)
    return spec.target


def plan_live(path: str, request: "Request", node: "NodeState") -> tuple[Any, dict[str, Any]]:
    """Plan ``path`` from the release ``node`` runs (or the request's, checked against it) and add
    the drift between the file and the node. Returns (Outcome, the record's ``live`` field).
    A carrier: the drift of its one node's settings (``pick_unit``), on the carrier's lines."""
    from ..api import plan_file
    from ..drift import drift, source_release
    from ..live import file_mtime
    from ..versions import format_version

    m = request.matrix
    release, nr = source_release(node, m, request.source)
    o = plan_file(path, request=request.with_source(release))
    live = {"node": node.target, "release": format_version(release), "confidence": nr.confidence, "how": nr.how}
    if o.plan is not None and o.plan.kind != "conf":
        unit, notes = pick_unit(o.plan, node)
        o.plan.findings.extend(notes)
        if unit is not None:
            found = drift(unit.old_conf, node, m, release, file_mtime=file_mtime(path))
            if unit.as_flags:  # what the flags leave unset comes from a conf file not in view
                found = [f for f in found if f.rule != "live/runtime-only"]
            o.plan.findings.extend(on_carrier(found, unit))
    elif o.plan is not None:
        o.plan.findings.extend(drift(o.plan.old_text, node, m, release, file_mtime=file_mtime(path)))
    return o, live


RULE_NOT_COMPARED = "live/not-compared"
RULE_UNIT = "live/unit"


def _note(rule: str, message: str) -> "Finding":
    from ..findings import Finding

    return Finding(id=f"{rule}/*", rule=rule, option="*", severity="info", evidence="live", message=message)


def pick_unit(plan: "Plan", node: "NodeState") -> tuple[Optional["RenderedUnit"], list["Finding"]]:
    """The node of a carrier file that ``node`` is: its only one, else the one whose ``port`` is the
    node's (None, with an info finding saying why, when that does not name exactly one)."""
    units, others = plan.units, plan.unrendered
    notes: list[Finding] = []
    if len(units) == 1 and not others:
        unit = units[0]
    else:
        port = node.config.get("port")
        same = [u for u in units if port is not None and _port(u) == port]
        names = ", ".join([u.label for u in units] + [label for label, _ in others])
        if len(same) != 1:
            why = "; ".join(f"{label}: {w}" for label, w in others) if not units and others else (
                f"the file configures {len(units) + len(others)} nodes ({names}) and "
                + ("none" if not same else "more than one") + f" of them sets the node's port {port}")
            return None, [_note(RULE_NOT_COMPARED, f"planned from the node's release; not compared with the node:"
                                                   f" {why}. Compare one node per file (a file per service),"
                                                   " or give each service its own port.")]
        unit = same[0]
        notes.append(_note(RULE_UNIT, f"the file configures {len(units) + len(others)} nodes ({names}); compared"
                                      f" with {unit.label}, which sets the node's port {port}"))
    if unit.as_flags:
        notes.append(_note(RULE_UNIT, f"{unit.label}: only the options its flags set are compared; the node reads"
                                      " the others from a conf file not in view, so a running value they leave"
                                      " unset is not reported (plan that conf file with --live too)"))
    return unit, notes


def _port(unit: "RenderedUnit") -> Optional[str]:
    from ..confmodel import Document

    line = Document.parse(unit.old_conf, "quoted").effective().get("port")
    return line.value if line is not None else None


def on_carrier(found: list["Finding"], unit: "RenderedUnit") -> list["Finding"]:
    """Findings about the unit's synthetic conf as read, placed on the carrier's lines and naming the unit."""
    lines = unit.old_lines
    for f in found:
        n = f.line
        f.line = lines[n - 1] if n is not None and 0 < n <= len(lines) else None
        f.message = f"{unit.label}: {f.message}"
    return found


def verify_live(path: str, request: "Request", node: "NodeState") -> tuple[Any, dict[str, Any], int]:
    """After the restart: (Outcome whose plan holds the verification's findings, the ``live``
    field, the exit code by the verify contract: 0 verified, 3 differs/ignored, 4 not the target).
    A carrier: its node's settings, as ``plan --live`` picks it, are what must read back."""
    from ..api import Outcome
    from ..drift import verify
    from ..exitcodes import Exit
    from ..fileio import read_source
    from ..findings import Plan
    from ..versions import format_version

    m = request.matrix
    src = read_source(path)
    notes: list[Finding] = []
    unit: Optional[RenderedUnit] = None
    text = src.text
    from ..carriers import plan_any

    as_is = plan_any(src.text, request.with_source(request.target), path)  # the file as it stands; its kind
    kind = as_is.kind
    if kind != "conf":
        unit, notes = pick_unit(as_is, node)
        text = unit.old_conf if unit is not None else ""
    r = verify(text, node, m, request.target)
    if unit is not None:
        on_carrier(r.findings, unit)
    code = int(r.exit_code)
    live = {k: v for k, v in r.to_dict().items() if k != "findings"}
    if kind != "conf" and unit is None:  # nothing of the file was compared: not verified
        code = max(code, int(Exit.CHANGES))
        live["ok"] = False
        for f in notes:
            f.severity = "warning"
    live["node"] = node.target
    plan = Plan(path, format_version(r.node_release.release) if r.node_release.release else "unknown",
                r.target, [], r.findings + notes, src.text, src.text, m.data_version, kind=kind,
                secrets=as_is.secrets)  # the file's plan holds every secret of its text (a scan and more)
    return Outcome(path, plan=plan), live, code
