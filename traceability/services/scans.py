"""Scans of QR codes: recorded without a database write, inserted in bulk later.

The resolver calls `record_scan`, which pushes a small JSON entry onto a
buffer: a Redis list when the default cache is Redis (its own short-timeout
client, so a Redis that is down costs the request a second at most, never an
error), otherwise a list in the default cache guarded by a process lock (the
embedded default: one process, locmem cache). A process sends its scans to
Redis `SCAN_PUSH_BATCH` at a time, in one round trip, and none waits there
longer than `PUSH_SECONDS` (a background thread sends what is left; so does
the process's exit): the hottest URL pays for a fraction of a round trip,
and a worker killed outright loses at most its last second of scans. `flush_scans` drains the buffer
in chunks, each popped atomically (Redis LPOP with a count), so two flushers
never insert a scan twice nor skip one; a chunk whose insert fails goes back
onto the buffer. Celery beat runs it every 30 s (`traceability.tasks`); the
embedded default, which runs no beat, flushes where scans are read. Both act
as the system (`SYSTEM`), the only actor `can_record_scans` allows.

A serial scanned more than `TOO_MANY_SCANS` times, or from two regions whose
capitals lie more than `FAR_APART_KM` apart, is flagged once for the
operators, and its page shows `notice_for`. Each flush drops the cached notices
of the flagged serials it inserted scans for, and the cached pages of their
batches, so the notice lags by the flush interval (30 s) at most.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any, cast

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.core.cache_tags import invalidate
from shop.core.errors import DomainError
from shop.core.roles import PLATFORM_ONLY, Actor, require
from shop.core.tasks import after_write_without_beat
from traceability import cache as cache_tags
from traceability import regions
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import Batch, Scan, Serial, SerialFlag, SerialFlagClearance
from traceability.policies import can_record_scans, can_review_scans

logger = logging.getLogger(__name__)

TOO_MANY_SCANS = 20  # distinct clients
NOTICE_CLIENTS = 3  # distinct clients before a flag is shown to buyers
FAR_APART_KM = 800.0
NOTICE_SECONDS = 30
FLUSH_CHUNK = 1000
# A buffer nobody drains stops growing here (the oldest entries go first).
REDIS_BUFFER_MAX = 1_000_000
LOCAL_BUFFER_MAX = 10_000
# Scans a process keeps while Redis is away (about 100 bytes each); past this
# the oldest go first, and the log says how many.
PENDING_MAX = 50_000
PUSH_SECONDS = 1.0  # the longest a scan waits in its process before going to Redis

BUFFER_KEY = "trace:scan-buffer"
_local_lock = threading.Lock()
_MISSING = object()


@dataclass(frozen=True)
class ScanNotice:
    """What a flagged serial's page tells the buyer."""

    first_scanned_at: datetime
    first_region: str | None  # regions code
    count_since: int  # scans after the first
    reason: str  # SerialFlag.Reason

    @property
    def first_region_name(self) -> str | None:
        return regions.region_name(self.first_region)


def record_scan(
    *, batch_id: int, serial_id: int | None, geo: str | None, network: str | None = None
) -> None:
    """Buffer one resolve of a batch's or serial's code, from the client `network`
    (`shop.core.throttling.client_network`). Never raises: a buffer that is down
    loses the scan, not the page."""
    try:
        entry = json.dumps(
            {
                "t": round(time.time(), 3),
                "b": int(batch_id),
                "s": None if serial_id is None else int(serial_id),
                "r": regions.clean_geo(geo),
                "c": client_key(network),
            },
            separators=(",", ":"),
        )
        client = _redis()
        if client is None:
            _push_local(entry)
        else:
            _pending.add(entry)
    except Exception:
        logger.warning("scan of batch %s dropped: the scan buffer is unavailable", batch_id)
        return
    _flush_without_beat()


def client_key(network: str | None) -> str:
    """A keyed hash of a client's network: scans from one client are told apart
    from another's without storing the address."""
    if not network:
        return ""
    return salted_hmac("traceability.scans.client", network, algorithm="sha256").hexdigest()[:16]


def _flush_without_beat() -> None:
    from traceability import tasks

    after_write_without_beat(tasks.flush_scans)


class _Pending:
    """The scans this process has not sent to Redis yet: kept while Redis is
    away (at most PENDING_MAX), tried again every CACHE_RETRY_SECONDS. A
    thread of the process sends them, so a request never waits for Redis."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a worker starts with none
        atexit.register(self.send)

    def _reset(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[str] = []
        self.since = 0.0
        self.retry_at = 0.0
        self.wake = threading.Event()
        self.sender: threading.Thread | None = None

    def add(self, entry: str) -> None:
        with self.lock:
            if not self.entries:
                self.since = time.monotonic()
            self.entries.append(entry)
            due = (
                len(self.entries) >= settings.SCAN_PUSH_BATCH and time.monotonic() >= self.retry_at
            )
            if self.sender is None or not self.sender.is_alive():
                self.sender = threading.Thread(target=self._send_late, daemon=True)
                self.sender.start()
        if due:
            self.wake.set()

    def send(self) -> None:
        """Send every pending scan now, in one round trip; keep them if Redis is away."""
        with self.lock:
            entries, self.entries = self.entries, []
        if not entries:
            return
        try:
            client = _redis()
            if client is None:
                return
            key = cache.make_key(BUFFER_KEY)
            if client.rpush(key, *entries) > REDIS_BUFFER_MAX:
                client.ltrim(key, -REDIS_BUFFER_MAX, -1)
        except Exception:
            self._keep(entries)

    def _keep(self, entries: list[str]) -> None:
        with self.lock:
            waiting = entries + self.entries
            self.entries = waiting[-PENDING_MAX:]
            self.retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS
            kept = len(self.entries)
        dropped = len(waiting) - kept
        logger.warning(
            "scan buffer unavailable: %d scans kept in this process, %d dropped", kept, dropped
        )

    def _send_late(self) -> None:
        """Send a full batch at once, and a scan waiting PUSH_SECONDS."""
        while True:
            self.wake.wait(PUSH_SECONDS / 4)
            self.wake.clear()
            with self.lock:
                now = time.monotonic()
                due = len(self.entries) >= settings.SCAN_PUSH_BATCH or (
                    self.entries and now - self.since >= PUSH_SECONDS
                )
                due = due and now >= self.retry_at
            if due:
                self.send()


_pending = _Pending()


def forget_pending() -> None:
    """Drop the scans this process has not sent (tests that clear the shared cache)."""
    with _pending.lock:
        _pending.entries.clear()
        _pending.retry_at = 0.0


def flush_scans(*, actor: Actor) -> int:
    """Insert every buffered scan, a chunk per query, flag the serials that need
    it, and return how many scans were inserted."""
    require(actor, can_record_scans(actor), PLATFORM_ONLY)
    _pending.send()
    _recover_stale_claims()
    inserted = 0
    while True:
        claim, chunk = _claim(FLUSH_CHUNK)
        if not chunk:
            return inserted
        try:
            inserted += _insert(chunk)
        except Exception:
            _give_back(claim, chunk)
            raise
        _done(claim)
        if len(chunk) < FLUSH_CHUNK:
            return inserted


def notice_for(serial_id: int) -> ScanNotice | None:
    """The notice of a flagged serial (None when it is not flagged), cached briefly."""
    key = _notice_key(serial_id)
    try:
        cached = cache.get(key, _MISSING)
    except Exception:
        cached = _MISSING
    if cached is not _MISSING:
        return cached
    notice = _read_notice(serial_id)
    try:
        cache.set(key, notice, NOTICE_SECONDS)
    except Exception:
        logger.warning("scan notice of serial %s not cached", serial_id)
    return notice


def flag_serials(serial_ids: set[int], *, actor: Actor) -> list[SerialFlag]:
    """Flag, once, those of the serials scanned too often or from regions far apart."""
    require(actor, can_record_scans(actor), PLATFORM_ONLY)
    return _flag_serials(serial_ids)


def _flag_serials(serial_ids: set[int]) -> list[SerialFlag]:
    flagged = set(
        SerialFlag.objects.filter(serial_id__in=serial_ids).values_list("serial_id", flat=True)
    )
    candidates = set(serial_ids) - flagged
    if not candidates:
        return []
    clients: dict[int, set[str]] = {}
    reporters: dict[int, dict[str, set[str]]] = {}  # serial -> region -> its clients
    batch_of: dict[int, int] = {}
    rows = (
        Scan.objects.filter(serial_id__in=candidates)
        .values_list("serial_id", "batch_id", "region", "client", "id")
        .order_by()
    )
    for serial_id, batch_id, region, client, scan_id in rows:
        who = client or f"scan:{scan_id}"  # recorded before clients were: each its own
        clients.setdefault(serial_id, set()).add(who)
        batch_of[serial_id] = batch_id
        if region:
            reporters.setdefault(serial_id, {}).setdefault(region, set()).add(who)
    now = timezone.now()
    flags = []
    for serial_id, seen_by in clients.items():
        reason = _reason(len(seen_by), reporters.get(serial_id, {}))
        if reason:
            flags.append(
                SerialFlag(
                    serial_id=serial_id, batch_id=batch_of[serial_id], reason=reason, flagged_at=now
                )
            )
    if flags:
        SerialFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return flags


def _reason(clients: int, reporters: dict[str, set[str]]) -> str | None:
    """Why a serial is suspicious: seen far apart by two different clients, or by
    more than TOO_MANY_SCANS clients. One client alone, whatever places it
    claims and however often it asks, flags nothing."""
    for (one, its), (other, theirs) in combinations(sorted(reporters.items()), 2):
        if regions.distance_km(one, other) > FAR_APART_KM and len(its | theirs) > 1:
            return SerialFlag.Reason.FAR_APART
    if clients > TOO_MANY_SCANS:
        return SerialFlag.Reason.TOO_MANY
    return None


def _read_notice(serial_id: int) -> ScanNotice | None:
    """The buyer's notice: only for a flag not cleared by an operator and seen by
    at least NOTICE_CLIENTS clients, so a competitor alone cannot put one up."""
    scans = Scan.objects.filter(serial_id=OuterRef("serial_id"))
    first = scans.order_by("scanned_at", "id")
    per_serial = scans.order_by().values("serial_id")
    row = (
        SerialFlag.objects.filter(serial_id=serial_id, clearance__isnull=True)
        .annotate(
            first_at=Subquery(first.values("scanned_at")[:1]),
            first_region=Subquery(first.values("region")[:1]),
            total=Subquery(per_serial.annotate(n=Count("id")).values("n")),
            clients=Subquery(
                per_serial.annotate(
                    n=Count("client", distinct=True, filter=~Q(client=""))
                    + Count("id", filter=Q(client=""))
                ).values("n")
            ),
        )
        .values("reason", "first_at", "first_region", "total", "clients")
        .first()
    )
    if row is None or row["first_at"] is None or (row["clients"] or 0) < NOTICE_CLIENTS:
        return None
    return ScanNotice(
        first_scanned_at=row["first_at"],
        first_region=row["first_region"],
        count_since=max((row["total"] or 0) - 1, 0),
        reason=row["reason"],
    )


def clear_flag(*, actor: Actor, flag: SerialFlag, reason: str) -> SerialFlagClearance:
    """An operator clears a flag found unfounded, saying why: the notice goes."""
    require(actor, can_review_scans(actor), _("Only platform operators may do this."))
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise DomainError(Code.INVALID, _("Say why, in at most 500 characters."), "reason")
    try:
        with transaction.atomic():
            clearance = SerialFlagClearance.objects.create(
                flag=flag, cleared_by=cast(User, actor), reason=reason
            )
            invalidate(cache_tags.batch_tag(flag.batch_id))
    except IntegrityError as exc:
        raise DomainError(Code.ALREADY_CLEARED, _("This flag is already cleared."), "flag") from exc
    _forget([_notice_key(flag.serial_id)])
    return clearance


def _insert(chunk: list[Any]) -> int:
    entries = [entry for entry in map(_parse, chunk) if entry]
    if not entries:
        return 0
    batches = set(
        Batch.objects.filter(pk__in={e["b"] for e in entries}).values_list("pk", flat=True)
    )
    serial_batch = dict(
        Serial.objects.filter(pk__in={e["s"] for e in entries if e["s"]}).values_list(
            "pk", "batch_id"
        )
    )
    scans = [
        Scan(
            batch_id=e["b"],
            serial_id=e["s"] if serial_batch.get(e["s"]) == e["b"] else None,
            scanned_at=datetime.fromtimestamp(e["t"], tz=UTC),
            region=regions.clean_geo(e["r"]),
            client=e["c"],
        )
        for e in entries
        if e["b"] in batches
    ]
    scanned = {scan.serial_id for scan in scans if scan.serial_id}
    with transaction.atomic():
        Scan.objects.bulk_create(scans, batch_size=FLUSH_CHUNK)
        _flag_serials(scanned)
        noticed = dict(
            SerialFlag.objects.filter(serial_id__in=scanned).values_list("serial_id", "batch_id")
        )
        # Their notices just changed (a new flag, or more scans since the first):
        # drop the cached notice and the cached pages that show it.
        invalidate(*{cache_tags.batch_tag(batch_id) for batch_id in noticed.values()})
    _forget([_notice_key(serial_id) for serial_id in noticed])
    return len(scans)


def _parse(raw: Any) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw)
        return {
            "t": float(entry["t"]),
            "b": int(entry["b"]),
            "s": None if entry.get("s") is None else int(entry["s"]),
            "r": entry.get("r"),
            "c": str(entry.get("c") or "")[:16],
        }
    except (ValueError, TypeError, KeyError):
        logger.warning("unreadable scan entry dropped: %r", raw)
        return None


def _notice_key(serial_id: int) -> str:
    return f"trace:scan-notice:{serial_id}"


def _forget(keys: list[str]) -> None:
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("scan notices not invalidated")


def _redis() -> redis.Redis | None:
    """A client of the default cache's Redis, or None when the cache is not Redis."""
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("RedisCache"):
        return None
    location = config["LOCATION"]
    return _client(location[0] if isinstance(location, (list, tuple)) else location)


@functools.cache
def _client(url: str) -> redis.Redis:
    timeout = settings.CACHE_TIMEOUT_SECONDS
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


# A flush claims a chunk: moves it, in one step, from the buffer to a list of
# its own, listed with the time in a sorted set, and deletes that list once the
# chunk's scans are committed. A chunk whose flusher died (a killed worker) is
# put back in the buffer by the next flush after CLAIM_SECONDS, so no scan is
# lost; one whose flusher died between its commit and the delete would be
# inserted twice, which the flags, counting distinct clients, do not mind.
CLAIM_SECONDS = 300
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[3], unpack(items))
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[3])
return items
"""
_RECOVER = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, claim in ipairs(stale) do
  local items = redis.call('LRANGE', claim, 0, -1)
  if #items > 0 then redis.call('RPUSH', KEYS[1], unpack(items)) end
  redis.call('DEL', claim)
  redis.call('ZREM', KEYS[2], claim)
end
return #stale
"""


def _claims_key() -> str:
    return cache.make_key(f"{BUFFER_KEY}:claims")


def _claim(count: int) -> tuple[str | None, list[Any]]:
    """(the claim, its scans): a chunk taken out of the buffer, not yet done."""
    client = _redis()
    if client is None:
        with _local_lock:
            buffered = cache.get(BUFFER_KEY, [])
            if buffered:
                cache.set(BUFFER_KEY, buffered[count:], timeout=None)
            return None, buffered[:count]
    claim = cache.make_key(f"{BUFFER_KEY}:claim:{secrets.token_hex(8)}")
    keys = [cache.make_key(BUFFER_KEY), _claims_key(), claim]
    items = client.eval(_CLAIM, 3, *keys, count, time.time())
    return claim, list(items or [])


def _done(claim: str | None) -> None:
    client = _redis()
    if client is not None and claim is not None:
        pipe = client.pipeline()
        pipe.delete(claim)
        pipe.zrem(_claims_key(), claim)
        pipe.execute()


def _give_back(claim: str | None, chunk: list[Any]) -> None:
    """Put a chunk that could not be inserted back at the head of the buffer."""
    client = _redis()
    if client is None or claim is None:
        with _local_lock:
            cache.set(BUFFER_KEY, chunk + cache.get(BUFFER_KEY, []), timeout=None)
        return
    pipe = client.pipeline()
    pipe.lpush(cache.make_key(BUFFER_KEY), *reversed(chunk))
    pipe.delete(claim)
    pipe.zrem(_claims_key(), claim)
    pipe.execute()


def _recover_stale_claims() -> int:
    """Put back the chunks claimed more than CLAIM_SECONDS ago by a flush that died."""
    client = _redis()
    if client is None:
        return 0
    bound = time.time() - CLAIM_SECONDS
    return int(client.eval(_RECOVER, 2, cache.make_key(BUFFER_KEY), _claims_key(), bound))


def _push_local(entry: str) -> None:
    with _local_lock:
        buffered = cache.get(BUFFER_KEY, [])
        buffered.append(entry)
        cache.set(BUFFER_KEY, buffered[-LOCAL_BUFFER_MAX:], timeout=None)
