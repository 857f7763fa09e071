"""The witness's memory: per log origin, the latest checkpoint it cosigned.

A witness is only as good as this file. It is one JSON document per witness,
replaced atomically (temporary file, fsync, rename, fsync of the folder), so a
crash leaves the old state or the new one, never half of each. Checking a
request against the state and storing the new checkpoint happen under one lock
(a threading lock for this process, `fcntl.flock` on a lock file beside the
state for other processes), so two requests cannot both advance from the same
size and roll the other back (c2sp.org/tlog-witness, add-checkpoint).
"""

import base64
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tlog.merkle import EMPTY_ROOT

VERSION = 1


class UnusableState(Exception):
    """The state file is missing or cannot be read. The witness must not take that as
    "nothing cosigned yet": it would then cosign a fork of what it cosigned before."""


@dataclass(frozen=True)
class Latest:
    """The latest cosigned checkpoint of one log; size 0 and the empty root if none."""

    size: int
    root_hash: bytes
    checkpoint: str = ""


NOTHING_YET = Latest(0, EMPTY_ROOT)


class Transaction:
    """The state as read under the lock; `store` changes it, the commit writes it."""

    def __init__(self, logs: dict[str, dict[str, object]]) -> None:
        self.logs = logs
        self.changed = False

    def latest(self, origin: str) -> Latest:
        record = self.logs.get(origin)
        if record is None:
            return NOTHING_YET
        return Latest(
            int(str(record["size"])),
            base64.b64decode(str(record["root_hash"])),
            str(record["checkpoint"]),
        )

    def store(self, origin: str, latest: Latest) -> None:
        self.logs[origin] = {
            "size": latest.size,
            "root_hash": base64.b64encode(latest.root_hash).decode(),
            "checkpoint": latest.checkpoint,
        }
        self.changed = True


class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._thread_lock = threading.Lock()
        self.read()  # a missing or corrupt file stops the witness at start

    @classmethod
    def create(cls, path: Path) -> "State":
        """The empty state of a new witness key; never over an existing one."""
        if path.exists():
            raise UnusableState(f"{path} exists: a witness's state is never started afresh")
        try:
            write_atomically(path, {"version": VERSION, "logs": {}})
        except OSError as error:
            raise UnusableState(f"cannot create {path}: {error}") from None
        return cls(path)

    def read(self) -> dict[str, dict[str, object]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as error:
            raise UnusableState(
                f"cannot read {self.path} ({error.strerror}); a new witness runs `init` once"
            ) from None
        try:
            document = json.loads(text)
            if document.get("version") != VERSION or not isinstance(document.get("logs"), dict):
                raise ValueError("not a witness state of version 1")
            return dict(document["logs"])
        except (ValueError, AttributeError) as error:
            raise UnusableState(f"{self.path}: {error}") from None

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Hold the lock, read the state, and write it back if changed and no error rose."""
        with self._thread_lock, self.lock_path.open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                transaction = Transaction(self.read())
                yield transaction
                if transaction.changed:
                    write_atomically(self.path, {"version": VERSION, "logs": transaction.logs})
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def write_atomically(path: Path, document: dict[str, object]) -> None:
    """Temporary file, fsync, rename, fsync of the folder: the old file or the new, whole."""
    folder = path.parent
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
