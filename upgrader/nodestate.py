"""What a running node reported (plain data; upgrader.live reads it, upgrader.drift compares it).

Secret options (``requirepass``, ``masterauth``, …) are kept only as keyed digests: the plaintext a
node answers to ``CONFIG GET`` is dropped as soon as it is read, and a digest is useless outside the
process (its key is random per read).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Mapping, Optional


@dataclass(frozen=True)
class NodeState:
    """What a node reported. ``config`` holds every option ``CONFIG GET *`` answered, except
    secret ones, which are only in ``secret_digests``."""

    target: str  # as displayed: host:port or rediss://host:port
    version: str  # kvrocks_version: "2.14.0", or "unstable" for a development build
    git_sha: Optional[str]  # kvrocks_git_sha1
    uptime_seconds: Optional[int]
    server_time: Optional[float]  # the node's clock (server_time_usec) when it answered, in seconds
    read_at: float  # our clock when it answered
    config: Mapping[str, str]
    secret_digests: Mapping[str, str] = field(default_factory=dict, repr=False)
    _digest_key: bytes = field(default=b"", repr=False, compare=False)

    @property
    def reported(self) -> frozenset[str]:
        """Every option the node reported (secret ones included)."""
        return frozenset(self.config) | frozenset(self.secret_digests)

    def secret_matches(self, key: str, value: str) -> bool:
        want = self.secret_digests.get(key)
        return want is not None and hmac.compare_digest(want, digest(self._digest_key, value))

    @property
    def started_at(self) -> Optional[float]:
        """When the node started, on our clock (as a local file's mtime is): the time we read it
        minus its uptime, which has a 1 s granularity."""
        if self.uptime_seconds is None:
            return None
        return self.read_at - self.uptime_seconds


def digest(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()
