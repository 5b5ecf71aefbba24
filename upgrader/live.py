"""Reading a running Kvrocks node: ``INFO server`` and ``CONFIG GET *``, nothing else.

An edge module, and the only one that imports the Redis client (redis-py, the ``live`` extra:
``pip install 'kvupgrade[live]'``), lazily, so the core and the CLI start without it. It returns
plain data (``NodeState``) and prints nothing; drift and verification are in ``upgrader.drift``.

kvupgrade never writes to a node. On a connection it sends ``AUTH`` (only when a password is
given) and then ``INFO server`` and ``CONFIG GET *``: no ``HELLO`` (RESP2 is asked for), no
``CLIENT SETINFO``/``SETNAME``, no ``SELECT``, no ``CONFIG SET``/``REWRITE``
(tests/test_live.py records every command a fake node receives).

Secrets. ``CONFIG GET *`` answers ``requirepass``, ``masterauth`` and the other secret options
in clear. Their values never leave this module: ``NodeState`` holds a keyed digest of each
(``secret_matches`` compares a file's value with it) and the password given to ``read_node`` is
masked out of every error message.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib.parse import unquote, urlsplit

from .errors import KvUpgradeError
from .matrix import Matrix, load_matrix
from .nodestate import NodeState, digest
from .redact import MASK

DEFAULT_PORT = 6666  # Kvrocks' own default port (the shipped conf's `port`)
CONNECT_TIMEOUT = 3.0  # seconds to open the TCP (and TLS) connection
COMMAND_TIMEOUT = 5.0  # seconds for each reply
PASSWORD_ENV = "KVUPGRADE_PASSWORD"  # where the CLI looks when --password-file is not given
MAX_PASSWORD_FILE = 4096  # bytes: a password file is one line, not a config


class LiveError(KvUpgradeError):
    """A node could not be read: unreachable, refused the password, or answered something else."""


class LiveUsageError(LiveError):
    """The target or an option is malformed (the CLI's usage error, exit 2)."""


class NodeUnreachable(LiveError):
    """No connection within the timeout, refused, or closed before it answered."""


class NodeAuthError(LiveError):
    """The node wants a password, or refused the one given."""


class MissingExtra(LiveError):
    """redis-py is not installed."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    tls: bool = False  # rediss://
    username: Optional[str] = None  # from redis://user@host (an ACL user; Kvrocks has none, kept for Redis-style URLs)

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"rediss://{host}:{self.port}" if self.tls else f"{host}:{self.port}"


@dataclass(frozen=True)
class TLSOptions:
    """TLS settings, named as redis-cli names them (``--tls --cacert --cacertdir --cert --key
    --insecure``)."""

    enabled: bool = False
    cacert: Optional[str] = None
    cacertdir: Optional[str] = None
    cert: Optional[str] = None
    key: Optional[str] = None
    insecure: bool = False  # --insecure: do not verify the node's certificate
    # redis-cli's --sni has no counterpart in redis-py: the host name given is the one sent.


# --- targets and passwords (pure but for reading the password file) -----------------------

_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9._-]+))(?::(?P<port>\d{1,5}))?$")


def parse_target(text: str) -> Target:
    """``HOST:PORT``, ``HOST`` (port 6666), ``[::1]:6666``, ``redis://[user@]host:port[/db]`` or
    ``rediss://…``. A URL that carries a password is refused: a password on the command line is
    seen by every user of the host (``ps``) and kept in shell history."""
    raw = text.strip()
    if "://" in raw:
        try:
            u = urlsplit(raw)
            if u.password is not None:  # before anything else is said about the address
                raise LiveUsageError("the node address carries a password; give it with --password-file or "
                                     f"the {PASSWORD_ENV} environment variable, never on the command line")
            port = u.port
        except ValueError as exc:
            raise LiveUsageError(f"cannot read the node address {_shown(raw)!r}: {exc}") from None
        if u.scheme not in ("redis", "rediss"):
            raise LiveUsageError(f"the node address {_shown(raw)!r} must be HOST:PORT, redis://… or rediss://…")
        if not u.hostname:
            raise LiveUsageError(f"the node address {_shown(raw)!r} names no host")
        if u.query or u.fragment or u.path.strip("/") not in ("", "0"):
            raise LiveUsageError(f"the node address {_shown(raw)!r}: only database 0 and no query are read")
        return Target(u.hostname, _port(port if port is not None else DEFAULT_PORT, raw), u.scheme == "rediss",
                      unquote(u.username) if u.username else None)
    m = _HOST_PORT.match(raw)
    if not m:
        raise LiveUsageError(f"the node address {_shown(raw)!r} must be HOST:PORT, redis://… or rediss://…")
    port = int(m.group("port")) if m.group("port") else DEFAULT_PORT
    return Target(m.group("v6") or m.group("host"), _port(port, raw))


def _port(port: int, raw: str) -> int:
    if not 1 <= port <= 65535:
        raise LiveUsageError(f"the node address {_shown(raw)!r}: port {port} is not in 1..65535")
    return port


def _shown(raw: str) -> str:
    # A malformed URL may still hold a password: show none of what follows a "user:" part.
    return re.sub(r"(://[^/@]*?:)[^/@]*@", r"\1" + MASK + "@", raw)[:200]


def read_password(path: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The node's password: the first line of ``path`` (its newline stripped), else the
    ``KVUPGRADE_PASSWORD`` environment variable, else None (no AUTH is sent)."""
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_PASSWORD_FILE + 1)
        except OSError as exc:
            raise LiveError(f"cannot read the password file: {exc.strerror or exc}", path=path) from None
        if len(data) > MAX_PASSWORD_FILE:
            raise LiveError(f"the password file is larger than {MAX_PASSWORD_FILE} bytes", path=path)
        first = data.decode("utf-8", "surrogateescape").splitlines()
        if not first or not first[0]:
            raise LiveError("the password file is empty", path=path)
        return first[0]
    value = (os.environ if env is None else env).get(PASSWORD_ENV)
    return value or None


# --- reading a node (the edge) -----------------------------------------------------------

def _redis() -> Any:
    try:
        import redis  # the `live` extra; only this module imports it
    except ImportError:
        raise MissingExtra("reading a live node needs the Redis client: pip install 'kvupgrade[live]'") from None
    return redis


def read_node(target: Target, *, password: Optional[str] = None, tls: Optional[TLSOptions] = None,
              connect_timeout: float = CONNECT_TIMEOUT, timeout: float = COMMAND_TIMEOUT,
              matrix: Optional[Matrix] = None) -> NodeState:
    """Connect, read ``INFO server`` and ``CONFIG GET *``, disconnect.

    Raises ``NodeUnreachable`` (no answer within the timeouts, refused, closed), ``NodeAuthError``
    (a password is needed, or the one given is refused), ``LiveError`` (anything else the node
    answered instead), ``MissingExtra`` (no redis-py). Messages never hold the password."""
    redis = _redis()
    import redis.backoff  # noqa: F401  (submodules the retry policy names)
    import redis.retry  # noqa: F401
    m = matrix or load_matrix()
    kwargs = client_options(target, password=password, tls=tls, connect_timeout=connect_timeout, timeout=timeout)
    kwargs["retry"] = redis.retry.Retry(redis.backoff.NoBackoff(), 0)  # one try: the timeouts are the bound
    where = target.display
    client = None
    try:
        client = _client(redis, kwargs)  # a single-connection client connects (and AUTHs) here
        info = client.info("server")
        pairs = client.config_get("*")
        read_at = time.time()
    except TypeError as exc:  # an older redis-py without one of the TLS arguments
        raise LiveUsageError(f"this redis-py cannot use that option: {exc}") from None
    except redis.exceptions.AuthenticationError as exc:
        raise NodeAuthError(_auth_message(str(exc), password), path=where) from None
    except redis.exceptions.ResponseError as exc:
        text = str(exc)
        if _WRONG_PASSWORD.search(text) or _NEEDS_AUTH.search(text):
            raise NodeAuthError(_auth_message(text, password), path=where) from None
        raise LiveError(f"the node refused a read: {_clean(text, password)}", path=where) from None
    except (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError) as exc:
        raise NodeUnreachable(f"no answer within {connect_timeout:g} s to connect and {timeout:g} s a reply: "
                              f"{_clean(str(exc), password)}", path=where) from None
    except redis.exceptions.RedisError as exc:
        raise LiveError(f"the node answered something kvupgrade cannot read: {_clean(str(exc), password)}",
                        path=where) from None
    finally:
        try:
            if client is not None:
                client.close()
        except Exception:  # closing a broken connection must not hide the reason it broke
            pass
    return node_state(where, info, pairs, m, read_at=read_at)


def client_options(target: Target, *, password: Optional[str] = None, tls: Optional[TLSOptions] = None,
                   connect_timeout: float = CONNECT_TIMEOUT, timeout: float = COMMAND_TIMEOUT) -> dict[str, Any]:
    """The redis-py ``Redis(...)`` arguments for a target (pure): RESP2 (no HELLO), no client name,
    one connection, database 0 (no SELECT), both timeouts; TLS as redis-cli's options say."""
    kwargs: dict[str, Any] = dict(
        host=target.host, port=target.port, username=target.username, password=password,
        socket_connect_timeout=connect_timeout, socket_timeout=timeout, protocol=2, db=0,
        decode_responses=True, encoding_errors="surrogateescape",
        client_name=None, single_connection_client=True,
    )
    if target.tls or (tls is not None and tls.enabled):
        t = tls or TLSOptions(enabled=True)
        kwargs.update(ssl=True, ssl_ca_certs=t.cacert, ssl_ca_path=t.cacertdir, ssl_certfile=t.cert,
                      ssl_keyfile=t.key, ssl_cert_reqs="none" if t.insecure else "required",
                      ssl_check_hostname=not t.insecure)
    return kwargs


def _client(redis: Any, kwargs: dict[str, Any]) -> Any:
    # No CLIENT SETINFO on connect: redis-py 8 takes driver_info=None, 5-7 lib_name/lib_version=None.
    try:
        return redis.Redis(driver_info=None, **kwargs)
    except TypeError:
        return redis.Redis(lib_name=None, lib_version=None, **kwargs)


_WRONG_PASSWORD = re.compile(r"invalid (?:username-)?password|wrongpass|invalid username", re.I)
_NEEDS_AUTH = re.compile(r"noauth|authentication required", re.I)


def _auth_message(text: str, password: Optional[str]) -> str:
    if password is None or _NEEDS_AUTH.search(text):
        return ("the node requires a password: give it with --password-file or the "
                f"{PASSWORD_ENV} environment variable")
    return "the node refused the password (from --password-file or " + PASSWORD_ENV + ")"


def _clean(text: str, password: Optional[str]) -> str:
    if password:
        text = text.replace(password, MASK)
    return text[:300]


def node_state(target: str, info: Mapping[str, Any], pairs: Mapping[str, Any], matrix: Matrix, *,
               read_at: float) -> NodeState:
    """``NodeState`` from the parsed replies (pure): secret values replaced by keyed digests."""
    digest_key = os.urandom(32)
    config: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for k, v in pairs.items():
        key, value = str(k), "" if v is None else str(v)
        if matrix.is_secret(key):
            secrets[key] = digest(digest_key, value)
        else:
            config[key] = value
    version = str(info.get("kvrocks_version") or info.get("version") or "")
    if not version:
        raise LiveError("INFO server has no kvrocks_version: is this a Kvrocks node?", path=target)
    sha = info.get("kvrocks_git_sha1") or info.get("git_sha1")
    usec = info.get("server_time_usec")
    return NodeState(target=target, version=version, git_sha=str(sha).lower() if sha else None,
                     uptime_seconds=_int(info.get("uptime_in_seconds")),
                     server_time=_int(usec) / 1e6 if _int(usec) is not None else None,  # type: ignore[operator]
                     read_at=read_at, config=config, secret_digests=secrets, _digest_key=digest_key)


def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def file_mtime(path: str) -> Optional[float]:
    """The file's modification time (to compare with the node's start), None when unreadable."""
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return None


__all__ = [
    "LiveError", "LiveUsageError", "MissingExtra", "NodeAuthError", "NodeState", "NodeUnreachable", "TLSOptions",
    "Target", "client_options", "file_mtime", "node_state", "parse_target", "read_node", "read_password",
]
