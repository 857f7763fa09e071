"""A witness run as its own process, and a log in memory that asks it for cosignatures."""

import copy
import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.helpers.services import free_port
from tlog import note
from tlog.checkpoint import Checkpoint, sign_checkpoint
from tlog.merkle import MemoryStore, consistency_proof, leaf_hash, root

WITNESS_NAME = "county.example/witness"


class WitnessProcess:
    """`python -m witness` with its own key, configuration and state in `folder`."""

    def __init__(self, folder: Path, logs: dict[str, list[str]], name: str = WITNESS_NAME) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        keygen = self.run("keygen", "--name", name)
        (folder / "witness.key").write_text(keygen.stdout)
        self.vkey = keygen.stderr.strip()
        self.port = free_port()
        blocks = "".join(
            f'[[log]]\norigin = "{origin}"\nkeys = {json.dumps(keys)}\n'
            for origin, keys in logs.items()
        )
        self.config = folder / "witness.toml"
        self.config.write_text(
            f'key_file = "witness.key"\nstate_file = "state/witness.json"\n'
            f"port = {self.port}\n{blocks}"
        )
        (folder / "state").mkdir()
        self.state_file = folder / "state" / "witness.json"
        self.log_file = folder / "witness.log"
        self.run("--config", str(self.config), "init")
        self.process: subprocess.Popen[bytes] | None = None

    def twin(self) -> "WitnessProcess":
        """Another process of the same witness (same key, same state file), on its own port."""
        twin = copy.copy(self)
        twin.port = free_port()
        twin.config = self.folder / "twin.toml"
        config = self.config.read_text().replace(f"port = {self.port}", f"port = {twin.port}")
        twin.config.write_text(config)
        twin.log_file = self.folder / "twin.log"
        twin.process = None
        return twin

    def run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and program
            [sys.executable, "-m", "witness", *arguments],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and program
                [sys.executable, "-m", "witness", "--config", str(self.config)],
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"the witness did not start: {self.log()}")

    def kill(self) -> None:
        """SIGKILL: the state must survive a crash, not only a clean stop."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def post(self, body: bytes, path: str = "/add-checkpoint") -> tuple[int, str, str]:
        """(status, Content-Type, body) of one request on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("POST", path, body=body)
            response = connection.getresponse()
            text = response.read().decode()
            return response.status, response.getheader("Content-Type", ""), text
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8") if self.log_file.exists() else ""

    def stored(self) -> dict[str, object]:
        """What the witness's state file holds for each origin."""
        logs: dict[str, object] = json.loads(self.state_file.read_text())["logs"]
        return logs


class MemoryLog:
    """A transparency log in memory with its own note key, as the platform would run one."""

    def __init__(self, origin: str = "market.example/trace") -> None:
        self.origin = origin
        self.signer = note.Ed25519Signer.generate(origin)
        self.store = MemoryStore()

    @property
    def vkey(self) -> str:
        return self.signer.verifier().vkey()

    def append(self, *entries: bytes) -> "MemoryLog":
        for entry in entries:
            self.store.append(leaf_hash(entry))
        return self

    def checkpoint(self, size: int | None = None, signer: note.Signer | None = None) -> str:
        size = self.store.leaf_count() if size is None else size
        body = Checkpoint(self.origin, size, root(self.store, size))
        return sign_checkpoint(body, signer or self.signer)

    def request(
        self, old: int, size: int | None = None, signer: note.Signer | None = None
    ) -> bytes:
        """An add-checkpoint body: the old size, the proof from it, the signed checkpoint."""
        size = self.store.leaf_count() if size is None else size
        proof = consistency_proof(self.store, old, size)
        lines = "".join(note.b64encode(h) + "\n" for h in proof)
        return f"old {old}\n{lines}\n{self.checkpoint(size, signer)}".encode()
