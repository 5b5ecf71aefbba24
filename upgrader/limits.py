"""Input limits: the bounds that keep planning any file under the size cap within a few hundred MB
and a few seconds (issue 16). Each is far above what a real config has, and each is refused with
an InputError naming the file and the limit (exit 1, file untouched).

A shipped kvrocks.conf has ~1,200 lines and ~100 directives; a busy production one ~300. Real
Helm values and manifests are a few hundred KB, some 10,000 YAML nodes. The limits are module
attributes so tests can lower them (monkeypatch) instead of building huge inputs.
"""

from __future__ import annotations

from typing import Optional, Union

from .errors import InputError

# Lines of any file (counted on the bytes, before decoding): 160x a shipped kvrocks.conf. Blank and
# comment lines cost ~170 bytes each in the document model, so 200,000 of them stay under 40 MB.
MAX_LINES = 200_000
# Lines that hold a key (directives, keys without a value): 30x a busy production config. Every such
# line may raise findings in each hop, and --from auto checks each against every release: 20,000
# distinct unknown keys took 12.7 s on the 2-core machine under load, so 10,000.
MAX_KEY_LINES = 10_000
# Findings of one rule about one key: the first ones are listed, the rest summed up in one finding.
MAX_FINDINGS_PER_KEY = 20
# YAML nodes of one file, counted while composing and again with every alias expanded (each alias
# counts its whole subtree each time it is visited): stops merge-key and "billion laughs" bombs.
# Composing costs 50-100 us a node in pure Python and a changed file is composed again to check the
# rewrite parses: 49,600 nodes took 6.5 s on an idle 2-core machine, so 30,000 (~600 KB of YAML; a
# big chart's values.yaml has ~10,000).
MAX_YAML_NODES = 30_000
# Nesting depth of YAML collections: real manifests nest ~20 deep; deeper would end in Python's
# recursion limit inside the composer instead of a clear error.
MAX_YAML_DEPTH = 200
# Characters of a YAML file (carrier or inventory): ruamel scans ~2 MB a second and a changed file is
# composed twice (as read, and the rewrite checked): 4 MB took 4.8 s on an idle machine, so 3 MB,
# still 10x a big real values file.
MAX_YAML_CHARS = 3 * 1024 * 1024


def check_line_count(data: Union[bytes, str], path: Optional[str]) -> None:
    """Refuse a file with more lines than MAX_LINES (one C-speed count, before any parsing)."""
    nl = b"\n" if isinstance(data, bytes) else "\n"
    lines = data.count(nl) + (0 if data.endswith(nl) else 1)  # type: ignore[arg-type]
    if lines > MAX_LINES:
        raise InputError(f"file has {lines} lines; the limit is {MAX_LINES} (not a kvrocks config?)", path)


def check_key_lines(count: int, path: Optional[str]) -> None:
    if count > MAX_KEY_LINES:
        raise InputError(f"file has {count} key lines; the limit is {MAX_KEY_LINES} (not a kvrocks config?)", path)


def yaml_nodes_message() -> str:
    return (f"YAML goes past the limit of {MAX_YAML_NODES} nodes (aliases and merge keys counted each time they"
            " are used): an alias or merge-key bomb, or not a config file")


def yaml_depth_message() -> str:
    return f"YAML nests deeper than the limit of {MAX_YAML_DEPTH} levels (not a config file?)"


def yaml_chars_message(n: int) -> str:
    return f"YAML file has {n} characters; the limit for YAML is {MAX_YAML_CHARS} (not a config file?)"
