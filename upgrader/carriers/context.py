"""What every carrier module gets: the file, the matrix, the target and the naming conventions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..matrix import Matrix
from ..request import Request
from ..settings import CarrierOptions
from ..versions import Release, VersionError


@dataclass
class Ctx:
    text: str
    path: Optional[str]
    request: Request  # resolved once at the edge; the fields below read from it

    @property
    def matrix(self) -> Matrix:
        return self.request.matrix

    @property
    def target(self) -> Release:
        return self.request.target

    @property
    def from_(self) -> Optional[Release]:
        """The source release, None when it is detected per unit."""
        return self.request.source

    @property
    def options(self) -> CarrierOptions:
        return self.request.carrier

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
