"""Real ansible-playbook runs against the kvupgrade.kvrocks collection.

The collection is built with ``ansible-galaxy collection build`` and installed into a temporary
``collections`` folder once per session, so the tests exercise the artifact users get, not the
source tree. ``ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false`` matters: the repository root is on
``sys.path`` (editable install) and holds ``ansible_collections/``, which Ansible would otherwise
find and prefer over nothing at all (``ansible-galaxy install`` even says "Nothing to do").

Skipped when ansible-playbook is not installed, except under CI=true where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTION_SRC = REPO_ROOT / "ansible_collections" / "kvupgrade" / "kvrocks"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
FQCN = "kvupgrade.kvrocks.config_upgrade"


def find_tool(name: str) -> Optional[str]:
    """The tool next to the running Python first (the venv), then PATH."""
    here = Path(sys.executable).parent / name
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which(name)


def require_tool(name: str) -> str:
    tool = find_tool(name)
    if tool is None:
        reason = f"{name} is not installed (pip install 'ansible-core>=2.15', part of the test extra)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; it is required under CI")
        pytest.skip(reason)
    return tool


CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


@dataclass
class Run:
    rc: int
    output: str  # stdout + stderr
    log: str  # ANSIBLE_LOG_PATH content written by this run
    results: dict  # task name -> result, as callbacks saw it (callback_plugins/result_dump.py)
    raw_results: str  # the same, as written

    def result(self, task: str = "Upgrade the config") -> dict:
        assert task in self.results, f"no result for task {task!r}; output:\n{self.output[-4000:]}"
        return self.results[task]

    @property
    def everything(self) -> str:
        """Everything the run produced: terminal output, log file, results as callbacks got them."""
        return "\n".join((self.output, self.log, self.raw_results))


@dataclass
class AnsibleEnv:
    root: Path  # session temp dir: collections/, home/, logs
    env: dict[str, str]
    playbook_bin: str
    doc_bin: str
    runs: list[Run] = field(default_factory=list)

    def playbook(self, playbook: Path, *, extra_vars: Optional[dict] = None, check: bool = False,
                 diff: bool = True, verbose: bool = True, inventory: str = "localhost,",
                 env: Optional[dict[str, str]] = None, args: Sequence[str] = ()) -> Run:
        log = self.root / f"ansible-{len(self.runs)}.log"
        dump = self.root / f"results-{len(self.runs)}.json"
        cmd = [self.playbook_bin, "-i", inventory, "-c", "local",
               "-e", "ansible_python_interpreter={{ ansible_playbook_python }}"]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbose:
            cmd.append("-vvv")  # results and module invocations in full: what the secret checks grep
        cmd += [*args, str(playbook)]
        run_env = {**self.env, "ANSIBLE_LOG_PATH": str(log), "KVUPGRADE_TEST_RESULTS": str(dump), **(env or {})}
        proc = subprocess.run(cmd, cwd=self.root, env=run_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        raw = dump.read_text() if dump.exists() else "{}"
        run = Run(proc.returncode, proc.stdout, log.read_text(errors="replace") if log.exists() else "",
                  json.loads(raw), raw)
        self.runs.append(run)
        return run


def _base_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    venv_bin = str(Path(sys.executable).parent)
    pythonpath = [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    cfg = root / "ansible.cfg"
    cfg.write_text("[defaults]\n")  # ignore any ~/.ansible.cfg of the person running the tests
    env.update({
        "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(pythonpath),  # kvupgrade importable by the controller
        "ANSIBLE_CONFIG": str(cfg),
        "ANSIBLE_HOME": str(root / "home"),
        "ANSIBLE_LOCAL_TEMP": str(root / "home" / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(root / "home" / "remote-tmp"),
        "ANSIBLE_COLLECTIONS_PATH": str(root / "collections"),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "result_dump",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
    })
    if "UTF-8" not in env.get("LC_ALL", env.get("LANG", "")).upper():
        env["LC_ALL"] = "C.UTF-8"  # ansible refuses to start under a non-UTF-8 locale
    return env


@pytest.fixture(scope="session")
def ansible(tmp_path_factory: pytest.TempPathFactory) -> AnsibleEnv:
    playbook_bin = require_tool("ansible-playbook")
    galaxy_bin = require_tool("ansible-galaxy")
    doc_bin = require_tool("ansible-doc")
    root = tmp_path_factory.mktemp("ansible")
    env = _base_env(root)
    # --offline: the tarball has no dependencies, and CI may have no route to galaxy.ansible.com.
    build = subprocess.run([galaxy_bin, "collection", "build", str(COLLECTION_SRC), "--output-path", str(root)],
                           cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stdout + build.stderr
    tarballs = list(root.glob("kvupgrade-kvrocks-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    install = subprocess.run([galaxy_bin, "collection", "install", "--offline", "--force",
                              "-p", str(root / "collections"), str(tarballs[0])], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stdout + install.stderr
    installed = root / "collections" / "ansible_collections" / "kvupgrade" / "kvrocks"
    assert (installed / "plugins" / "action" / "config_upgrade.py").is_file(), install.stdout
    return AnsibleEnv(root=root, env=env, playbook_bin=playbook_bin, doc_bin=doc_bin)


def read_result(path: Path) -> dict:
    """A result the playbook registered and dumped with ansible.builtin.copy."""
    return json.loads(path.read_text())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Real ansible-playbook runs take seconds each: slow (CI runs them, plain `pytest -q` does not)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.slow)
