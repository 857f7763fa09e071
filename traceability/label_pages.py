"""The pages of a label job's QR drawings, shared between Celery workers.

Building a QR matrix is nearly all of a label's cost and is a pure function
of its URI (`labels.qr_drawing`), so a job per serial splits it: the task
that renders the job (the assembler) queues helper tasks, and every page of
drawings is computed by whichever of them claims it first in the shared
cache (`cache.add`, atomic on Redis). The assembler walks the pages in order,
draws the ones it claims and takes the others from the cache, where the
helpers store theirs; while a helper is still drawing the page it needs next,
it draws a free page further on. It alone writes the PDF and the progress. With one
worker the helpers run after the job has finished and do nothing, so the job
costs what it costs in one process, plus one cache write per page.

A run is named by a random token kept in the cache while the assembler
works: a helper stops as soon as it is gone (the job finished or failed) or
replaced (the job was taken again after its worker died). A page a helper
cannot draw is stored as the error's message, and the assembler fails the job
with it; a page claimed by a helper that died is drawn by the assembler after
`WAIT_SECONDS`.

A page the assembler has is stored with the job's progress (`pack`, in
`LabelJobPage`): the cache may lose pages, and a run taking the job again
(after its worker died) resumes from the stored ones and redraws the rest.

Sharing needs a broker (tasks not run eagerly) and a cache all workers see
(not the per-process memory cache); otherwise the assembler draws every page
itself, as the embedded default does.
"""

from __future__ import annotations

import json
import secrets
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from celery import current_app
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from gs1.labels import QrDrawing

KEEP_SECONDS = 3600  # how long a claim or a page waits in the cache, at most
WAIT_SECONDS = 30  # for a page a helper claimed: then the assembler draws it itself
POLL_SECONDS = 0.005

Draw = Callable[[int], list[QrDrawing]]  # a page's drawings, by its index


class PageFailed(ValueError):
    """A helper could not draw a page; the message says which label and why."""


def can_share() -> bool:
    """Whether other workers can take pages: a broker and a cache they all see."""
    cache = caches["default"]
    return not current_app.conf.task_always_eager and not isinstance(
        cache, LocMemCache | DummyCache
    )


def _run_key(job_id: str) -> str:
    return f"traceability:labeljob:{job_id}:run"


@dataclass(frozen=True)
class SharedPages:
    """One run of one job's pages in the cache."""

    job_id: str
    run: str

    @classmethod
    def open(cls, job_id: str, run: str | None = None) -> SharedPages:
        """Start a run (the assembler does); helpers of an earlier run stop."""
        pages = cls(job_id, run or secrets.token_hex(8))
        caches["default"].set(_run_key(job_id), pages.run, KEEP_SECONDS)
        return pages

    def close(self) -> None:
        """End this run, unless another run has taken the job meanwhile."""
        if self.is_open():
            caches["default"].delete(_run_key(self.job_id))

    def is_open(self) -> bool:
        return bool(caches["default"].get(_run_key(self.job_id)) == self.run)

    def _key(self, page: int) -> str:
        return f"traceability:labeljob:{self.run}:page:{page}"

    def claim(self, page: int) -> bool:
        """True for the first caller only: it draws the page."""
        return bool(caches["default"].add(f"{self._key(page)}:claim", 1, KEEP_SECONDS))

    def put(self, page: int, drawings: Sequence[QrDrawing]) -> None:
        caches["default"].set(self._key(page), list(drawings), KEEP_SECONDS)

    def put_failure(self, page: int, message: str) -> None:
        caches["default"].set(self._key(page), message, KEEP_SECONDS)

    def take(self, page: int) -> list[QrDrawing] | None:
        """The page a helper drew (removed from the cache), or None if not there yet.

        Raises PageFailed with the helper's message when it could not draw it.
        """
        cache = caches["default"]
        found = cache.get(self._key(page))
        if found is None:
            return None
        cache.delete(self._key(page))
        if isinstance(found, str):
            raise PageFailed(found)
        return list(found)


class Assembler:
    """The assembler's side: the pages in order, never idle while a helper draws one.

    Waiting for a page a helper claimed, it claims and draws the next free page
    ahead instead (kept here until its turn), so every worker keeps drawing.
    """

    def __init__(self, shared: SharedPages, draw: Draw, pages: int) -> None:
        self.shared, self.draw, self.pages = shared, draw, pages
        self._ahead: dict[int, list[QrDrawing]] = {}
        self._next_free = 0

    def drawings(self, page: int) -> list[QrDrawing]:
        if page in self._ahead:
            return self._ahead.pop(page)
        if self.shared.claim(page):
            return self.draw(page)
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            found = self.shared.take(page)
            if found is not None:
                return found
            ahead = self._claim_ahead(page)
            if ahead is not None:
                self._ahead[ahead] = self.draw(ahead)
            elif time.monotonic() > deadline:
                return self.draw(page)  # the helper that claimed it is gone
            else:
                time.sleep(POLL_SECONDS)

    def _claim_ahead(self, page: int) -> int | None:
        self._next_free = max(self._next_free, page + 1)
        while self._next_free < self.pages:
            candidate = self._next_free
            self._next_free += 1
            if self.shared.claim(candidate):
                return candidate
        return None


def pack(drawings: Sequence[QrDrawing]) -> bytes:
    """A page of drawings as stored in the database: compressed, about 8 kB."""
    return zlib.compress(json.dumps([[d.modules, d.path] for d in drawings]).encode())


def unpack(data: bytes, count: int) -> list[QrDrawing] | None:
    """The `count` drawings `pack` stored, or None if they are not that."""
    try:
        drawings = [QrDrawing(modules, path) for modules, path in json.loads(zlib.decompress(data))]
    except (ValueError, TypeError, zlib.error):
        return None
    return drawings if len(drawings) == count else None
