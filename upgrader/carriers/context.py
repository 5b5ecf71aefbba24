"""What every carrier module gets: the file, the matrix, the target and the naming conventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional, Union

from ..matrix import Matrix
from ..planner import Settings
from ..versions import Release, VersionError


class CarrierOptions(NamedTuple):
    vars_dict: str = "kvrocks_config"  # Ansible: dict of kvrocks options
    vars_rename_list: str = "kvrocks_rename_commands"  # Ansible: list of "OLD NEW" renames
    # Helm: dotted key paths tried in order (a segment may not contain '.')
    helm_paths: tuple[str, ...] = ("kvrocks.config", "config")
    binaries: tuple[str, ...] = ("kvrocks",)  # executable basenames in shell/systemd/k8s command lines
    image_match: str = "kvrocks"  # a Compose/Kubernetes image naming this runs Kvrocks


@dataclass
class Ctx:
    text: str
    path: Optional[str]
    matrix: Matrix
    target: Release
    options: CarrierOptions = field(default_factory=CarrierOptions)
    from_: Union[str, Release, None] = None
    settings: Settings = field(default_factory=Settings)

    @property
    def name(self) -> str:
        return self.path or "<text>"

    def image_release(self, image: Optional[str]) -> Optional[tuple[Release, str]]:
        """``apache/kvrocks:2.12.1`` -> the release the node runs now, when the tag names one."""
        if not image or self.options.image_match not in image or ":" not in image.rsplit("/", 1)[-1]:
            return None
        tag = image.rsplit(":", 1)[1].split("@", 1)[0]
        try:
            v = self.matrix.resolve(tag)
        except (VersionError, ValueError):
            return None
        return v, f"image tag {image}"

    def is_kvrocks_image(self, image: Optional[str]) -> bool:
        return bool(image) and self.options.image_match in (image or "")
