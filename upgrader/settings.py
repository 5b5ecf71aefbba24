"""What a run is asked to do, besides the releases: a leaf module every layer may import.

``Settings`` (which fixes apply, which rules run, the target's build features), the carrier
options and kinds, and kvupgrade's comment marker live here, below the transform registry and
the planner, so that masking (redact), the registry and the planner can all name them without
importing one another (pyupgrade's ``_data.py`` plays the same part).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# The prefix of every comment kvupgrade writes into a file (a commented-out line, a pinned default).
MARKER = "# kvupgrade:"

# Every carrier kind a file can be planned as (docs/CARRIERS.md); "conf" is a plain kvrocks.conf.
KINDS = ("conf", "flags-compose", "flags-systemd", "flags-k8s", "flags-shell", "yaml-vars", "helm-values",
         "k8s-configmap", "operator", "conf-template")


@dataclass(frozen=True)
class Settings:
    unsafe_fixes: bool = False
    pin_defaults: bool = False
    select: frozenset[str] = field(default_factory=frozenset)  # rule names; empty = all
    ignore: frozenset[str] = field(default_factory=frozenset)
    # Build features (the matrix's ``ifdef`` names, e.g. ENABLE_OPENSSL) known to be present (True)
    # or absent (False) in the target's binary; a feature not named is unknown.
    build_features: dict[str, bool] = field(default_factory=dict)


class CarrierOptions(NamedTuple):
    vars_dict: str = "kvrocks_config"  # Ansible: dict of kvrocks options
    vars_rename_list: str = "kvrocks_rename_commands"  # Ansible: list of "OLD NEW" renames
    # Helm: dotted key paths tried in order (a segment may not contain '.')
    helm_paths: tuple[str, ...] = ("kvrocks.config", "config")
    binaries: tuple[str, ...] = ("kvrocks",)  # executable basenames in shell/systemd/k8s command lines
    image_match: str = "kvrocks"  # a Compose/Kubernetes image naming this runs Kvrocks
    set_image: bool = False  # --set-image: rewrite Kvrocks image tags to the target release in the same edit
