"""Likely performance effects of an upgrade (docs/IMPACT.md).

``annotate`` builds a resource model of the node from the effective config before
(source release, old text) and after (target release, new text), lists what changes,
and puts an impact note on every finding. Pure: no I/O.
"""

from .annotate import SCHEMA, annotate, models
from .effective import EffectiveConfig
from .model import ResourceModel, build_model, compare

__all__ = ["SCHEMA", "annotate", "models", "EffectiveConfig", "ResourceModel", "build_model", "compare"]
