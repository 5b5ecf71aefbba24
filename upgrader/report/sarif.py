"""SARIF 2.1.0 output, for code-scanning UIs that annotate config files in pull requests.

One run, one result per finding, located at the finding's line (findings about an option
the file does not set point at the file itself). Levels: error → error, warning → warning,
info → note. Rules come from the transforms registry (name, title, why). Rendered from the
same masked per-file dicts as every other format.
"""

from __future__ import annotations

from typing import Any

from .escape import dumps

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rules(used: set[str]) -> list[dict[str, Any]]:
    from ..registry import load_transforms

    registry = load_transforms()
    out = []
    for name in sorted(used):
        t = registry.get(name)
        rule: dict[str, Any] = {"id": name, "name": name}
        if t is not None:
            rule["shortDescription"] = {"text": t.title}
            rule["fullDescription"] = {"text": f"{t.kind}; fix safety: {t.safety} ({t.why})"}
        rule["helpUri"] = f"docs/TRANSFORMS.md#{name}"
        out.append(rule)
    return out


def _result(f: dict[str, Any], x: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": f["path"]}}
    if x["line"]:
        location["region"] = {"startLine": x["line"]}
    res: dict[str, Any] = {
        "ruleId": x["rule"],
        "level": LEVEL[x["severity"]],
        "message": {"text": f"{x['option']}: {x['message']}"},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"kvupgradeFindingId": x["id"]},
        "properties": {k: x[k] for k in ("id", "option", "since", "action", "safety", "applied", "references",
                                         "evidence")},
    }
    return res


def render(files: list[dict[str, Any]], summary: dict[str, Any], command: str, meta: dict[str, Any],
           colour: bool = False) -> str:
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for f in files:
        if f["status"] == "error":
            notifications.append({"level": "error", "message": {"text": f["error"]},
                                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": f["path"]}}}]})
            continue
        results.extend(_result(f, x) for x in f["findings"])
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "kvupgrade", "version": meta.get("tool_version", ""),
                            "informationUri": "https://kvrocks.apache.org",
                            "rules": _rules({r["ruleId"] for r in results})}},
        "results": results,
        "properties": {"command": command, "data_version": meta.get("data_version", ""), "summary": summary},
    }
    rollbacks = [f["path"] for f in files if f.get("direction") == "rollback"]
    if rollbacks:  # these plans fit a newer release's file to an older one
        run["properties"]["rollback_plans"] = rollbacks
    if notifications:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": notifications}]
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(doc, indent=2) + "\n"
