"""The market's public answers, over HTTP(S): the record's EPCIS document and the log.

Every answer is read whole, up to `MAX_BYTES`; a network failure, an HTTP error
or an answer that is not what the endpoint promises is a `NetworkError`.
"""

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from traceverify import canonical, notes

TIMEOUT_SECONDS = 20
MAX_BYTES = 16 * 1024 * 1024
USER_AGENT = "traceverify/1"


class NetworkError(Exception):
    """The market could not be asked, or did not answer as it should."""


def _get(url: str, accept: str) -> tuple[int, bytes]:
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only (`Site`)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_BYTES + 1)
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_BYTES)
    except (urllib.error.URLError, OSError) as error:
        raise NetworkError(f"{url}: {error}") from None
    if len(body) > MAX_BYTES:
        raise NetworkError(f"{url}: the answer is larger than {MAX_BYTES} bytes")
    return status, body


def _ok(url: str, accept: str) -> bytes:
    status, body = _get(url, accept)
    if status != 200:
        raise NetworkError(f"{url}: HTTP {status}")
    return body


def _json(url: str) -> Any:
    try:
        return canonical.parse(_ok(url, "application/json"))
    except (ValueError, UnicodeDecodeError):
        raise NetworkError(f"{url}: not JSON") from None


@dataclass(frozen=True)
class Site:
    """The market at `base` (scheme and host, and any path it is served under)."""

    base: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {self.base!r}")

    def record(self, path: str, query: str = "") -> Any:
        """The EPCIS document of the record a QR code's path names."""
        extra = f"{query}&" if query else ""
        return _json(f"{self.base}{path}?{extra}format=epcis")

    def short_code(self, code: str) -> Any:
        return self.record(f"/t/{quote(code, safe='')}")

    def key(self) -> Any:
        return _json(f"{self.base}/.well-known/trace-log-key")

    def checkpoint(self) -> str | None:
        """The newest checkpoint, cosigned; None while the log has none."""
        status, body = _get(f"{self.base}/trace/log/checkpoint", "text/plain")
        if status == 404:
            return None
        if status != 200:
            raise NetworkError(f"the checkpoint: HTTP {status}")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise NetworkError("the checkpoint is not UTF-8") from None

    def signed_at(self, size: int) -> str | None:
        """When the platform says it signed the checkpoint of `size` (not signed itself)."""
        listed = _json(f"{self.base}/trace/log/checkpoints?{urlencode({'before': size + 1})}")
        for entry in listed.get("checkpoints", [])[:1]:
            if entry.get("size") == size:
                return str(entry.get("signed_at"))
        return None

    def inclusion(self, index: int, size: int) -> list[bytes] | None:
        """RFC 9162's inclusion proof of leaf `index` in the tree of `size`; None
        when the log answers that it has none."""
        return self._proof("inclusion", {"index": index, "size": size})

    def consistency(self, old: int, new: int) -> list[bytes] | None:
        """RFC 9162's consistency proof between two sizes; None when the log has none."""
        return self._proof("consistency", {"old": old, "new": new})

    def _proof(self, kind: str, numbers: dict[str, int]) -> list[bytes] | None:
        url = f"{self.base}/trace/log/proof/{kind}?{urlencode(numbers)}"
        status, body = _get(url, "application/json")
        if status in (400, 404):
            return None
        if status != 200:
            raise NetworkError(f"{url}: HTTP {status}")
        try:
            return [notes.b64(h, "a proof hash") for h in canonical.parse(body)["proof"]]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise NetworkError(f"{url}: not a proof") from None
