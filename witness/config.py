"""The witness's configuration: a TOML file (or JSON, by its suffix).

    name = "county.example/witness"        # optional; must be the key's name
    key_file = "witness.key"               # from `python -m witness keygen`
    state_file = "state/witness.json"
    host = "127.0.0.1"                     # the default
    port = 7380                            # the default

    [[log]]
    origin = "market.example/trace"
    keys = ["market.example/trace+1a2b3c4d+AQ…"]   # or key = "…"

Relative paths are relative to the configuration file's folder.
"""

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tlog import note
from tlog.cosignature import CosignatureSigner


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    signer: CosignatureSigner
    logs: dict[str, Sequence[note.Verifier]]
    state_file: Path
    host: str
    port: int


def read_signer(path: Path) -> CosignatureSigner:
    try:
        skey = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the key file {path}: {error}") from None
    try:
        signer = CosignatureSigner.from_skey(skey)
    except note.MalformedNote as error:
        raise ConfigError(f"{path} is not a witness key from `keygen`: {error}") from None
    assert isinstance(signer, CosignatureSigner)
    return signer


def _logs(entries: object) -> dict[str, Sequence[note.Verifier]]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError("at least one [[log]] with an origin and its keys")
    logs: dict[str, Sequence[note.Verifier]] = {}
    for entry in entries:
        origin = entry.get("origin") if isinstance(entry, dict) else None
        keys = entry.get("keys", [entry["key"]] if "key" in entry else []) if origin else []
        if not isinstance(origin, str) or not keys or not isinstance(keys, list):
            raise ConfigError("each [[log]] has an origin and a key (or keys)")
        if origin in logs or len(set(map(str, keys))) != len(keys):
            raise ConfigError(f"the log {origin!r} or one of its keys is configured twice")
        try:
            logs[origin] = [note.Ed25519Verifier.from_vkey(str(key)) for key in keys]
        except note.MalformedNote as error:
            raise ConfigError(f"a key of the log {origin!r}: {error}") from None
    return logs


def load(path: Path) -> Config:
    try:
        raw = path.read_bytes()
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode())
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the configuration {path}: {error}") from None
    if not isinstance(data, dict) or "key_file" not in data or "state_file" not in data:
        raise ConfigError("the configuration names a key_file and a state_file")
    folder = path.parent
    signer = read_signer(folder / str(data["key_file"]))
    if data.get("name", signer.name) != signer.name:
        raise ConfigError(f"the key is {signer.name!r}, not {data['name']!r}")
    port = data.get("port", 7380)
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError("port is a number from 0 to 65535")
    return Config(
        signer=signer,
        logs=_logs(data.get("log")),
        state_file=folder / str(data["state_file"]),
        host=str(data.get("host", "127.0.0.1")),
        port=port,
    )
