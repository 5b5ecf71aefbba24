"""The module's DOCUMENTATION, EXAMPLES and RETURN: valid YAML that agrees with the argument spec.

These are the checks ansible-test's validate-modules would make, done offline and without
importing Ansible (the strings and the spec are read from the source with ``ast``), plus a check
that docs/ANSIBLE.md shows the tested example playbook.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from .conftest import COLLECTION_SRC, FQCN, PLAYBOOKS, REPO_ROOT

yaml = pytest.importorskip("yaml", reason="PyYAML comes with ansible-core (pip install 'ansible-core>=2.15')")

MODULE = COLLECTION_SRC / "plugins" / "modules" / "config_upgrade.py"
ACTION = COLLECTION_SRC / "plugins" / "action" / "config_upgrade.py"
PY_TYPES = {"str": str, "path": str, "bool": bool, "int": int, "list": list, "dict": dict}


def _assignments(path: Path) -> dict[str, ast.expr]:
    tree = ast.parse(path.read_text())
    return {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def module_strings() -> dict[str, str]:
    nodes = _assignments(MODULE)
    return {k: ast.literal_eval(nodes[k]) for k in ("DOCUMENTATION", "EXAMPLES", "RETURN")}


def argument_spec() -> dict[str, dict[str, Any]]:
    node = _assignments(MODULE)["ARGUMENT_SPEC"]
    return eval(compile(ast.Expression(node), str(MODULE), "eval"), {"__builtins__": {}, "dict": dict})


def test_documentation_is_yaml_and_matches_the_argument_spec() -> None:
    doc = yaml.safe_load(module_strings()["DOCUMENTATION"])
    assert doc["module"] == "config_upgrade"
    assert doc["short_description"] and doc["description"] and doc["author"]
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "full"
    spec = argument_spec()
    assert set(doc["options"]) == set(spec)
    for name, opt in doc["options"].items():
        s = spec[name]
        assert opt["type"] == s["type"], name
        assert bool(opt.get("required", False)) == bool(s.get("required", False)), name
        assert opt.get("default") == s.get("default"), name
        assert opt.get("aliases", []) == s.get("aliases", []), name
        assert opt["description"], name
        if "default" in opt:
            assert isinstance(opt["default"], PY_TYPES[opt["type"]]), name
    assert spec["path"]["required"] and spec["to_version"]["required"]
    assert spec["backup"]["default"] is False  # Ansible's convention for file-editing modules


def test_examples_are_tasks_using_documented_options() -> None:
    examples = yaml.safe_load(module_strings()["EXAMPLES"])
    options = set(argument_spec())
    used = 0
    for task in examples:
        assert task.get("name"), task
        if FQCN in task:
            used += 1
            assert set(task[FQCN]) <= options, task
            assert {"path", "to_version"} <= set(task[FQCN]), task
    assert used >= 2


def test_return_is_documented_completely() -> None:
    ret = yaml.safe_load(module_strings()["RETURN"])
    for key in ("changed", "findings", "impact", "backup_file", "diff", "msg", "blockers"):
        assert key in ret, key
    for key, value in ret.items():
        assert {"description", "returned", "type"} <= set(value), key
    finding_keys = set(ret["findings"]["contains"])
    assert {"id", "rule", "option", "severity", "message", "line", "applied"} <= finding_keys


def test_return_documents_every_finding_field() -> None:
    from upgrader.findings import Finding

    documented = set(yaml.safe_load(module_strings()["RETURN"])["findings"]["contains"])
    fields = set(Finding("x/y@1", "x", "y", "info", "m").to_dict())
    assert fields <= documented, sorted(fields - documented)


def test_action_plugin_imports_the_spec_from_the_module() -> None:
    # One argument spec for docs and validation, so they cannot drift.
    assert "from ansible_collections.kvupgrade.kvrocks.plugins.modules.config_upgrade import ARGUMENT_SPEC" \
        in ACTION.read_text()


def test_docs_show_the_tested_example_playbook() -> None:
    doc = (REPO_ROOT / "docs" / "ANSIBLE.md").read_text()
    example = (PLAYBOOKS / "example.yml").read_text()
    assert example.strip() in doc, "docs/ANSIBLE.md must contain tests/ansible/playbooks/example.yml verbatim"
    for pb in PLAYBOOKS.glob("*.yml"):
        assert isinstance(yaml.safe_load(pb.read_text()), list), pb


def test_galaxy_and_runtime_metadata() -> None:
    galaxy = yaml.safe_load((COLLECTION_SRC / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("kvupgrade", "kvrocks")
    assert galaxy["license"] == ["Apache-2.0"]
    runtime = yaml.safe_load((COLLECTION_SRC / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"].startswith(">=2.15")


def test_module_fallback_fails_clearly() -> None:
    """If the module file itself ever runs on a node, it says why instead of doing nothing."""
    pytest.importorskip("ansible")
    testing = pytest.importorskip("ansible.module_utils.testing", reason="patch_module_args is new in 2.19")
    import importlib.util

    from ansible.module_utils import basic

    spec = importlib.util.spec_from_file_location("kvupgrade_config_upgrade_module", MODULE)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    class Failed(Exception):
        pass

    def fail_json(self: Any, **kw: Any) -> None:
        raise Failed(kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(basic.AnsibleModule, "fail_json", fail_json)
    try:
        with testing.patch_module_args({"path": "/etc/kvrocks/kvrocks.conf", "to_version": "2.14.0"}):
            with pytest.raises(Failed) as exc:
                mod.main()
    finally:
        mp.undo()
    msg = exc.value.args[0]["msg"]
    assert "action plugin" in msg and "pip install kvupgrade" in msg
