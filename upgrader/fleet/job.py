"""A fleet run's job: what every worker needs to plan, check or apply one file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from .inputs import Inventory

if TYPE_CHECKING:  # pragma: no cover
    from ..request import Request
    from .judging import JudgeSpec
    from .liveread import LiveSpec


@dataclass
class FleetJob:
    command: str  # plan | apply | check | verify
    # Built once by the CLI (check: ``Request.check``); its matrix is the loaded one, which forked
    # workers inherit instead of loading their own.
    request: "Request"
    inventory: Optional[Inventory] = None
    with_diff: bool = True
    backup: bool = True
    backup_dir: Optional[str] = None
    manifest: Optional[str] = None
    run_id: Optional[str] = None
    lock_timeout: float = 30.0
    # Streaming formats are rendered by the worker that planned the file (the writer's
    # ``renderer``): the parent then only writes strings and counts, instead of being the
    # bottleneck of a parallel run.
    render: Optional[Callable[[dict[str, Any]], str]] = None
    # check --kvrocks-bin, plan/apply --verify-with: the real server judges each planned file.
    judge: Optional["JudgeSpec"] = None
    # plan --live, verify --live: each file's node is read (its inventory entry's, else this one's).
    live: Optional["LiveSpec"] = None
