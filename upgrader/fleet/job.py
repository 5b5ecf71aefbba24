"""A fleet run's job: what every worker needs to plan, check or apply one file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from .inputs import Inventory


@dataclass
class FleetJob:
    command: str  # plan | apply | check
    to: str
    from_: str = "auto"
    inventory: Optional[Inventory] = None
    settings: Any = None
    kind: Optional[str] = None
    with_diff: bool = True
    backup: bool = True
    backup_dir: Optional[str] = None
    manifest: Optional[str] = None
    run_id: Optional[str] = None
    lock_timeout: float = 30.0
    matrix: Any = None  # the loaded Matrix: forked workers inherit it instead of loading their own
    matrix_path: Optional[str] = None
    overlays: tuple[str, ...] = ()
    # Streaming formats are rendered by the worker that planned the file (the writer's
    # ``renderer``): the parent then only writes strings and counts, instead of being the
    # bottleneck of a parallel run.
    render: Optional[Callable[[dict[str, Any]], str]] = None
