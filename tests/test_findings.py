"""Finding.to_dict is written by hand (speed); it must still carry every field but the edit."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from upgrader.findings import Finding


def test_to_dict_has_every_field_but_the_edit_and_matches_asdict() -> None:
    f = Finding(id="r/o", rule="r", option="o", severity="warning", message="m", line=3, since="2.13.0",
                references=["x"], impact={"resource": "memory", "detail": [{"mb": (1, 2)}]})
    d = f.to_dict()
    assert list(d) == [x.name for x in fields(Finding) if x.name != "edit"]
    expected = {k: v for k, v in asdict(f).items() if k != "edit"}
    assert json.loads(json.dumps(d)) == json.loads(json.dumps(expected))
    d["impact"]["detail"][0]["mb"] = None  # a copy: the finding is not changed through it
    assert f.impact == {"resource": "memory", "detail": [{"mb": (1, 2)}]}
