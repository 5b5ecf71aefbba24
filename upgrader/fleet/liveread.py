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
    the drift between the file and the node. Returns (Outcome, the record's ``live`` field)."""
    from ..api import plan_file
    from ..drift import drift, source_release
    from ..live import file_mtime
    from ..versions import format_version

    m = request.matrix
    release, nr = source_release(node, m, request.source)
    o = plan_file(path, request=request.with_source(release))
    live = {"node": node.target, "release": format_version(release), "confidence": nr.confidence, "how": nr.how}
    if o.plan is not None and o.plan.kind != "conf":
        # drift compares a kvrocks.conf; a carrier's settings are inside the carrier engine
        from ..findings import Finding

        o.plan.findings.append(Finding(id="live/not-compared/*", rule="live/not-compared", option="*",
                                       severity="info", evidence="live",
                                       message=f"planned from the node's release; {o.plan.kind} files are not"
                                               " compared with the node yet"))
    elif o.plan is not None:
        o.plan.findings.extend(drift(o.plan.old_text, node, m, release, file_mtime=file_mtime(path)))
    return o, live


def verify_live(path: str, request: "Request", node: "NodeState") -> tuple[Any, dict[str, Any], int]:
    """After the restart: (Outcome whose plan holds the verification's findings, the ``live``
    field, the exit code by the verify contract: 0 verified, 3 differs/ignored, 4 not the target)."""
    from ..api import Outcome
    from ..drift import verify
    from ..fileio import read_source
    from ..findings import Plan
    from ..secretscan import scan
    from ..versions import format_version

    m = request.matrix
    src = read_source(path)
    r = verify(src.text, node, m, request.target)
    plan = Plan(path, format_version(r.node_release.release) if r.node_release.release else "unknown",
                r.target, [], list(r.findings), src.text, src.text, m.data_version,
                secrets=sorted(scan(m, src.text), key=len, reverse=True))
    live = {k: v for k, v in r.to_dict().items() if k != "findings"}
    live["node"] = node.target
    return Outcome(path, plan=plan), live, int(r.exit_code)
