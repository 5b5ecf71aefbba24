"""Coverage-guided fuzz target (atheris/libFuzzer) for the config parser and planner.

Properties checked on every input:
* parse -> render is the identity on the bytes, under both grammars;
* planning never crashes with anything but the documented errors;
* apply is idempotent and every changed line was listed by the plan.

Run: ``python fuzz/fuzz_parser.py -max_total_time=60 fuzz/corpus`` (tests/test_fuzz.py runs it
for a bounded time in CI and reads the execution count from libFuzzer's output).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from upgrader.confmodel import ConfigSyntaxError, Document, decode, encode
    from upgrader.planner import Settings, plan_text

RELEASES = ["2.0.0", "2.1.0", "2.2.0", "2.5.0", "2.9.0", "2.10.0", "2.12.1", "2.13.0", "2.14.0"]


def test_one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    a, b = sorted((data[0] % len(RELEASES), data[1] % len(RELEASES)))
    body = data[2:]
    for grammar in ("legacy", "quoted"):
        if encode(Document.parse_bytes(body, grammar).render()) != body:  # type: ignore[arg-type]
            raise AssertionError("round trip changed the bytes")
    text = decode(body)
    try:
        plan = plan_text(text, from_=RELEASES[a], to=RELEASES[b], settings=Settings(unsafe_fixes=bool(data[0] & 1)))
    except ConfigSyntaxError:
        return
    again = plan_text(plan.new_text, from_=RELEASES[a], to=RELEASES[b],
                      settings=Settings(unsafe_fixes=bool(data[0] & 1)))
    if again.new_text != plan.new_text:
        raise AssertionError("apply is not idempotent")
    listed = {f.line for f in plan.findings if f.applied and f.line}
    old, new = Document.parse(text).lines, Document.parse(plan.new_text).lines
    for o, n in zip(old, new):
        if o.raw != n.raw and o.lineno not in listed:
            raise AssertionError(f"line {o.lineno} changed without a finding")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
