"""kvupgrade: plan and apply Apache Kvrocks configuration upgrades.

Library use::

    import upgrader
    plan = upgrader.plan_text(open("kvrocks.conf").read(), from_="2.12.1", to="2.13.0")
    for f in plan.findings:
        print(f.severity, f.option, f.message)
    outcome = upgrader.apply_file("kvrocks.conf", from_="2.12.1", to="2.13.0")

Imports are lazy so that ``kvupgrade --version`` and small commands start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "plan_text": ("upgrader.planner", "plan_text"),
    "Settings": ("upgrader.settings", "Settings"),
    "PlanError": ("upgrader.planner", "PlanError"),
    "plan_file": ("upgrader.api", "plan_file"),
    "plan_source_text": ("upgrader.api", "plan_source_text"),
    "plan_request": ("upgrader.api", "plan_request"),
    "secrets_in": ("upgrader.api", "secrets_in"),
    "redactor": ("upgrader.api", "redactor"),
    "Request": ("upgrader.request", "Request"),
    "UnknownKind": ("upgrader.request", "UnknownKind"),
    "CarrierOptions": ("upgrader.settings", "CarrierOptions"),
    "decode": ("upgrader.confmodel", "decode"),
    "apply_file": ("upgrader.api", "apply_file"),
    "Outcome": ("upgrader.api", "Outcome"),
    "load_matrix": ("upgrader.matrix", "load_matrix"),
    "Matrix": ("upgrader.matrix", "Matrix"),
    "MatrixError": ("upgrader.matrix", "MatrixError"),
    "Plan": ("upgrader.findings", "Plan"),
    "Finding": ("upgrader.findings", "Finding"),
    "Document": ("upgrader.confmodel", "Document"),
    "ConfigSyntaxError": ("upgrader.confmodel", "ConfigSyntaxError"),
    "VersionError": ("upgrader.versions", "VersionError"),
    "Exit": ("upgrader.exitcodes", "Exit"),
    "plan_to_dict": ("upgrader.report.jsonout", "plan_to_dict"),
    # The real server as judge (kvupgrade plan --verify-with), for the Ansible action plugin.
    "prepare_judge": ("upgrader.fleet.judging", "prepare"),
    "judge_plan": ("upgrader.fleet.judging", "judge_plan"),
    "judge_refused": ("upgrader.fleet.judging", "refused"),
    "KvUpgradeError": ("upgrader.errors", "KvUpgradeError"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .api import Outcome, apply_file, plan_file, plan_request, plan_source_text, redactor, secrets_in  # noqa: F401
    from .confmodel import ConfigSyntaxError, Document, decode  # noqa: F401
    from .exitcodes import Exit  # noqa: F401
    from .findings import Finding, Plan  # noqa: F401
    from .matrix import Matrix, MatrixError, load_matrix  # noqa: F401
    from .planner import PlanError, plan_text  # noqa: F401
    from .request import Request, UnknownKind  # noqa: F401
    from .settings import CarrierOptions, Settings  # noqa: F401
    from .report.jsonout import plan_to_dict  # noqa: F401
    from .versions import VersionError  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        mod, attr = _EXPORTS[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'upgrader' has no attribute {name!r}")


__all__ = sorted(_EXPORTS) + ["__version__"]
