"""The witness's HTTP server and command line.

    python -m witness keygen --name county.example/witness > witness.key
    python -m witness --config witness.toml vkey
    python -m witness --config witness.toml init       # once, for a new key
    python -m witness --config witness.toml            # serve

The server answers `POST /add-checkpoint` (c2sp.org/tlog-witness) and nothing
else; bodies are limited in size and connections time out, so a slow or large
client cannot tie up the witness.
"""

import argparse
import contextlib
import logging
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tlog.cosignature import CosignatureSigner
from witness.config import ConfigError, load
from witness.protocol import Response, Witness, logger
from witness.state import State, UnusableState

MAX_BODY = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the specification recommends
    timeout = 30
    server: "WitnessServer"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != "/add-checkpoint":
            self.answer(Response(404, "not found\n"))
            return
        length = self.headers.get("Content-Length", "")
        if not re.fullmatch(r"[0-9]+", length):
            self.answer(Response(411, "a Content-Length is required\n"), close=True)
            return
        if len(length) > 9 or int(length) > MAX_BODY:
            self.answer(Response(413, f"a request is at most {MAX_BODY} bytes\n"), close=True)
            return
        body = self.rfile.read(int(length))
        try:
            response = self.server.witness.add_checkpoint(body)
        except (OSError, UnusableState) as error:
            # Nothing was cosigned: the state was not stored, so the cosignature is not sent.
            logger.error("could not store the state: %s", error)
            response = Response(500, "the witness could not store its state\n")
        self.answer(response)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.answer(Response(405, "only POST /add-checkpoint\n"))

    def answer(self, response: Response, close: bool = False) -> None:
        body = response.body.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the override
        logger.debug("%s " + format, self.address_string(), *args)


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness) -> None:
        super().__init__(address, Handler)
        self.witness = witness


def keygen(name: str) -> int:
    """The private key on standard output (redirect it to the key file), the verifier key on
    standard error, to configure in the log that asks for cosignatures."""
    signer = CosignatureSigner.generate(name)
    assert isinstance(signer, CosignatureSigner)
    print(signer.skey())
    print(signer.verifier().vkey(), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m witness", description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, help="the witness.toml (or .json) file")
    commands = parser.add_subparsers(dest="command")
    generate = commands.add_parser("keygen", help="make a new witness key")
    generate.add_argument("--name", required=True, help="the witness name, e.g. county.example/w")
    commands.add_parser("vkey", help="print the witness's verifier key")
    commands.add_parser("init", help="create the empty state of a new witness key, once")
    commands.add_parser("serve", help="answer add-checkpoint requests (the default)")
    arguments = parser.parse_args(argv)
    if arguments.command == "keygen":
        return keygen(arguments.name)
    if arguments.config is None:
        parser.error("--config is required")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s witness %(levelname)s %(message)s")
    try:
        config = load(arguments.config)
        if arguments.command == "vkey":
            print(config.signer.verifier().vkey())
            return 0
        state = (
            State.create(config.state_file)
            if arguments.command == "init"
            else State(config.state_file)
        )
    except (ConfigError, UnusableState) as error:
        logger.error("%s", error)
        return 2
    if arguments.command == "init":
        logger.info("created the empty state %s", config.state_file)
        return 0
    witness = Witness(config.signer, config.logs, state)
    with WitnessServer((config.host, config.port), witness) as server:
        logger.info(
            "%s listening on %s:%d for %s",
            config.signer.verifier().vkey(),
            *server.server_address[:2],
            ", ".join(sorted(config.logs)),
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0
