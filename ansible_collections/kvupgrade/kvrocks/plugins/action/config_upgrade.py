# -*- coding: utf-8 -*-
# Copyright: kvupgrade contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Action plugin for kvupgrade.kvrocks.config_upgrade: plan on the controller, write with copy.

Flow (the same shape as ansible.builtin.template):

1. ``slurp`` the file from the managed node (the only thing the node must run);
2. plan it on the controller with the kvupgrade library, on a private local copy that keeps
   the remote file's name (so carrier detection by name works, and the library's own input
   checks apply);
3. if the plan changes the file and this is not check mode, make sure the remote file is still
   what was read (``stat`` checksum), then hand the new text to ``ansible.legacy.copy``
   (``content=``, ``backup=``, ``follow=true``), which does the atomic replace, keeps owner, mode
   and SELinux context, and makes the backup.

The plugin ships with the library and calls only its public names (``import upgrader``; see the
README's library section): ``Request``, ``plan_file``, ``redactor``, ``secrets_in``, ``decode``,
``plan_to_dict``, and for ``verify_with`` ``prepare_judge``, ``judge_plan``, ``judge_refused``,
``KvUpgradeError``.

Secrets: the diff and the findings are masked with the library's redactor, and every secret value
found in the file is then removed from the whole result with ``remove_values``, the function
AnsibleModule applies for its ``no_log_values``. copy's own diff is switched off (it would show
the file in clear), and copy's ``invocation`` (which echoes its arguments) is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
import tempfile
from typing import Any, Optional

from ansible import constants as C
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.kvupgrade.kvrocks.plugins.modules.config_upgrade import ARGUMENT_SPEC

MASK = "********"
MIN_SECRET = 4  # shorter values are masked where they stand as a value only (as the Redactor does)


def _library() -> Any:
    """Import kvupgrade lazily: a missing library must become a task failure, not a plugin load error."""
    import upgrader  # raises ImportError with the reason

    return upgrader


def _missing_library_msg(exc: BaseException) -> str:
    py = sys.executable or "python3"
    return (
        "kvupgrade.kvrocks.config_upgrade needs the kvupgrade Python library on the Ansible controller, "
        f"but the Python running ansible-playbook ({py}) cannot import it ({exc}). "
        f"Install it into that environment: '{py} -m pip install kvupgrade'. "
        "Managed nodes need nothing installed."
    )


def _replace_everywhere(obj: Any, old: str, new: str) -> Any:
    """Swap the private local copy's path for the remote path in every string of the result."""
    if not old:
        return obj
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, dict):
        return {k: _replace_everywhere(v, old, new) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_replace_everywhere(v, old, new) for v in obj]
    return obj


def _printable(obj: Any) -> Any:
    """Undecodable bytes (kept as surrogates for a lossless round trip) shown as U+FFFD.

    Results are printed and serialised as UTF-8, where a lone surrogate would raise.
    """
    if isinstance(obj, str):
        return obj.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(obj, dict):
        return {k: _printable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_printable(v) for v in obj]
    return obj


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _requires_connection = True

    def run(self, tmp: Optional[str] = None, task_vars: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        self._supports_check_mode = True
        self._supports_async = False
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp  # unused since 2.x; the shell's tmpdir is used instead

        # 'path' is expanded (~, $VARS) by slurp/stat/copy on the managed node, so it is validated
        # as a plain string here; type=path would expand it against the controller's home.
        spec = dict(ARGUMENT_SPEC)
        spec["path"] = dict(ARGUMENT_SPEC["path"], type="str")
        _, args = self.validate_argument_spec(argument_spec=spec)
        args = {k: args[k] for k in ARGUMENT_SPEC}  # drop aliases ('dest') from the echo
        result["invocation"] = {"module_args": dict(args)}

        secrets: list[str] = []
        try:
            result.update(self._run(args, task_vars, secrets))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        # The no_log_values pass, as AnsibleModule does it: any secret value read from the file,
        # wherever it ended up (message, finding, diff), becomes ********.
        hide = {s for s in secrets if len(s) >= MIN_SECRET}
        return remove_values(result, hide) if hide else result

    # -- steps ---------------------------------------------------------------------------------

    def _fail(self, msg: str, **extra: Any) -> dict[str, Any]:
        return dict(failed=True, changed=False, msg=msg, **extra)

    def _run(self, args: dict[str, Any], task_vars: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
        path: str = args["path"]
        host = task_vars.get("inventory_hostname", "the managed node")
        base: dict[str, Any] = dict(path=path)

        try:
            lib = _library()
        except ImportError as exc:
            return self._fail(_missing_library_msg(exc), **base)

        # The task's arguments, read once (the library's one reading of "auto", of versions and kinds).
        try:
            settings = lib.Settings(unsafe_fixes=args["unsafe_fixes"], pin_defaults=args["pin_defaults"])
            request = lib.Request.build(to=args["to_version"], from_=args["from_version"] or None,
                                        settings=settings, kind=(args["kind"] or "").strip() or None)
        except (lib.VersionError, lib.UnknownKind) as exc:
            return self._fail(_printable(f"{path}: {exc}"), **base)
        judge = None
        if args["verify_with"]:  # checked and its version matched once, before the node is touched
            try:
                judge, request = lib.prepare_judge(args["verify_with"], request)
            except lib.KvUpgradeError as exc:
                return self._fail(_printable(f"{path}: verify_with: {exc}"), **base)

        # 1. read the file from the node
        slurped = self._execute_module(module_name="ansible.legacy.slurp", module_args={"src": path},
                                       task_vars=task_vars)
        if slurped.get("failed"):
            why = str(slurped.get("msg", "unknown error"))
            if why.lower().startswith("file not found"):
                return self._fail(f"{path}: no such file on {host}; nothing to upgrade", **base)
            return self._fail(f"{path}: cannot read the file on {host}: {why}", **base)
        data = base64.b64decode(slurped["content"])
        old_text: str = lib.decode(data)

        # 2. plan on a private local copy
        work = tempfile.mkdtemp(prefix="kvupgrade-", dir=C.DEFAULT_LOCAL_TMP)
        local = os.path.join(work, os.path.basename(path.rstrip("/")) or "kvrocks.conf")
        try:
            with open(local, "wb") as fh:
                fh.write(data)
            try:
                outcome = lib.plan_file(local, request=request)
            except Exception as exc:  # a library bug must not print a traceback with file content
                secrets.extend(self._best_effort_secrets(lib, old_text))
                return self._fail(f"{path}: kvupgrade {lib.__version__} failed: {type(exc).__name__}: "
                                  f"{str(exc).replace(local, path)}", **base)
        finally:
            shutil.rmtree(work, ignore_errors=True)

        if outcome.error is not None or outcome.plan is None:
            secrets.extend(outcome.secrets or self._best_effort_secrets(lib, old_text))
            return self._fail(_printable(str(outcome.error).replace(local, path)), **base)
        plan = outcome.plan
        secrets.extend(plan.secrets)

        if plan.old_text != old_text:
            # Copying plan.new_text over the file is only right when the plan covers the whole
            # file; refuse rather than truncate a carrier file.
            return self._fail(f"kvupgrade {lib.__version__} planned only part of {path} (kind {plan.kind}); "
                              "this action plugin writes whole files and cannot apply it", **base)

        verdict = None
        if judge is not None and plan.changed:
            verdict = lib.judge_plan(judge, plan, request.matrix)  # its findings join the plan's
        red = lib.redactor(plan, request.matrix)
        planned = _printable(_replace_everywhere(lib.plan_to_dict(plan, request.matrix, with_diff=False), local,
                                                 path))
        res: dict[str, Any] = dict(
            base,
            changed=plan.changed,
            kind=plan.kind,
            from_version=plan.from_version,
            to_version=plan.to_version,
            from_detected=planned.get("from_detected"),
            hops=planned.get("hops", []),
            counts=planned.get("counts", {}),
            blockers=len(plan.blockers),
            findings=planned.get("findings", []),
            impact=planned.get("impact"),
        )
        if verdict is not None:
            res["realserver"] = _printable(verdict)
        det = plan.from_detected or {}
        if det.get("confidence") == "low":
            res["warnings"] = [f"{path}: source release inferred with low confidence ({det.get('reason', '')}); "
                               "set from_version for a precise plan"]
        if self._task.diff:
            res["diff"] = dict(before=_printable(red.text(plan.old_text)), after=_printable(red.text(plan.new_text)),
                               before_header=path, after_header=path)

        counts = res["counts"]
        summary = (f"findings: {counts.get('error', 0)} error, {counts.get('warning', 0)} warning, "
                   f"{counts.get('info', 0)} info")
        head = f"{plan.from_version} -> {plan.to_version}"

        refused = lib.judge_refused(plan) if verdict is not None else None
        if refused is not None:  # never written, whatever fail_on_blockers says
            res.update(failed=True, changed=False, msg=_printable(red.free(f"{head}: nothing written: {refused}")))
            return res
        if plan.blockers and args["fail_on_blockers"]:
            errs = "; ".join(f"line {f.line}: {f.option}: {f.message}" if f.line else f"{f.option}: {f.message}"
                             for f in plan.blockers)
            res.update(failed=True, changed=False,
                       msg=_printable(red.free(f"{head}: {len(plan.blockers)} blocker(s), nothing written "
                                    f"(fail_on_blockers=false writes the fixable part): {errs}")))
            return res
        if not plan.changed:
            res["msg"] = f"{head}: already up to date; {summary}"
            return res
        if self._task.check_mode:
            res["msg"] = f"{head}: would rewrite (check mode); {summary}"
            return res

        # 3. write through copy, after making sure nobody changed the file since it was read
        now = self._execute_module(
            module_name="ansible.legacy.stat",
            module_args=dict(path=path, follow=True, get_checksum=True, checksum_algorithm="sha1",
                             get_mime=False, get_attributes=False),
            task_vars=task_vars)
        if now.get("failed") or now.get("stat", {}).get("checksum") != hashlib.sha1(data).hexdigest():
            res.update(failed=True, changed=False,
                       msg=f"{path} changed on {host} while it was being planned; nothing written. Run the task again.")
            return res

        copied = self._copy(path, plan.new_text, args["backup"], task_vars)
        copied.pop("invocation", None)
        copied.pop("diff", None)
        if copied.get("failed"):
            res.update(failed=True, changed=False,
                       msg=f"{path}: writing the upgraded file on {host} failed: {copied.get('msg', 'unknown error')}")
            return res
        res["changed"] = bool(copied.get("changed", True))
        if copied.get("backup_file"):
            res["backup_file"] = copied["backup_file"]
        res["msg"] = f"{head}: rewritten; {summary}"
        return res

    def _copy(self, path: str, content: str, backup: bool, task_vars: dict[str, Any]) -> dict[str, Any]:
        new_task = self._task.copy()
        new_task.args.clear()
        # follow=true: rewrite a symlink's target and keep the link, as the library does.
        # decrypt=false: a conf that happens to start with $ANSIBLE_VAULT is still just text.
        new_task.args.update(dict(dest=path, content=content, backup=backup, follow=True, force=True, decrypt=False))
        new_task.diff = False  # copy's diff would show the file, secrets included, in clear
        copy_action = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.copy", task=new_task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        return dict(copy_action.run(task_vars=task_vars))

    @staticmethod
    def _best_effort_secrets(lib: Any, text: str) -> list[str]:
        """Secrets of a file the library could not plan, so that even error messages stay masked."""
        try:
            return list(lib.secrets_in(text))
        except Exception:  # noqa: BLE001  (best effort: a library bug must not hide the task's error)
            return []
