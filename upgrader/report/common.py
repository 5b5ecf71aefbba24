"""Small pieces every report format shares."""

from __future__ import annotations

from typing import Any


def fix_label(x: dict[str, Any], command: str) -> str:
    """How a finding's fix stands: '' (no fix), 'fixed', 'will apply' or '<action>: not applied'."""
    if x["action"] == "none":
        return ""
    if x["applied"]:
        return "fixed" if command == "apply" else "will apply"
    return f"{x['action']}: not applied"
