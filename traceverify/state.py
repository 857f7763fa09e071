"""What the verifier remembers of each market between runs: the log key it
trusted first, and the newest checkpoint it saw, signed (a JSON file)."""

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


def default_path() -> Path:
    state_home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state_home) / "traceverify" / "state.json"


@dataclass(frozen=True)
class Remembered:
    vkey: str | None = None
    checkpoint: str | None = None  # the signed note, cosignatures and all


class UnusableState(Exception):
    """A state file that cannot be read or written."""


class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.sites: dict[str, dict[str, str]] = json.loads(path.read_text("utf-8"))["sites"]
        except FileNotFoundError:
            self.sites = {}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise UnusableState(f"{path}: {error}") from None

    def of(self, site: str) -> Remembered:
        entry = self.sites.get(site, {})
        return Remembered(entry.get("vkey"), entry.get("checkpoint"))

    def remember(self, site: str, vkey: str, checkpoint: str | None) -> None:
        """Store the site's key and checkpoint, replacing the file whole."""
        entry = {"vkey": vkey}
        if checkpoint is not None:
            entry["checkpoint"] = checkpoint
        self.sites[site] = entry
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.path.parent, delete=False
            ) as file:
                json.dump({"sites": self.sites}, file, ensure_ascii=False, indent=2)
            Path(file.name).replace(self.path)
        except OSError as error:
            raise UnusableState(f"{self.path}: {error}") from None
