# Test-only notification callback: writes every task result, as callbacks see it, to the JSON file
# named by $KVUPGRADE_TEST_RESULTS ({"<task name>": result}). It replaces a "register + copy the
# result to a file" task, which costs two extra module runs per playbook, and it sees exactly what
# any logging callback (ARA, splunk, ...) would receive.
from __future__ import annotations

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: result_dump
type: notification
short_description: dump task results to a JSON file (kvupgrade tests)
description: Writes every task result to the file named by KVUPGRADE_TEST_RESULTS.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "result_dump"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.results: dict[str, Any] = {}

    def _save(self, result: Any, failed: bool = False) -> None:
        data = getattr(result, "result", None)  # 2.19+
        if data is None:
            data = result._result
        task = getattr(result, "task_name", None) or result._task.get_name()
        self.results[task] = dict(data)
        if failed:  # 2.19 tells callbacks through the method called, not always with a key
            self.results[task]["failed"] = True

    def v2_runner_on_ok(self, result: Any) -> None:
        self._save(result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._save(result, failed=True)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._save(result)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        path = os.environ.get("KVUPGRADE_TEST_RESULTS")
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(self.results, fh, indent=2, default=str, sort_keys=True)
