"""add-checkpoint of c2sp.org/tlog-witness: the checks, in the specification's order.

A request body is `old <size>\\n`, up to 63 base64 consistency-proof hashes one
a line, an empty line, and the log's signed checkpoint. The witness answers 404
for an origin it does not witness, 403 when no key it trusts for that origin
signed the checkpoint, 400 for a malformed body or an old size above the new
one, 409 (with its latest size, `text/x.tlog.size`) when the old size is not the
size it last cosigned or the same size comes with another root, 422 when the
proof does not verify, and otherwise stores the checkpoint and returns its
cosignature line. Every refusal of a signed checkpoint is logged: it may be the
evidence of a log showing different histories to different people.
"""

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tlog import note
from tlog.checkpoint import MAX_SIZE, Checkpoint, open_checkpoint
from tlog.cosignature import CosignatureSigner, cosign
from tlog.merkle import verify_consistency
from witness.state import Latest, State

MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]*)")

logger = logging.getLogger("witness")


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class BadRequest(ValueError):
    pass


@dataclass(frozen=True)
class Request:
    old: int
    proof: tuple[bytes, ...]
    message: str


def parse_request(body: bytes) -> Request:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8") from None
    head, blank, message = text.partition("\n\n")
    if not blank:
        raise BadRequest("no empty line before the checkpoint")
    old_line, *proof_lines = head.split("\n")
    old = _OLD.fullmatch(old_line)
    if old is None or int(old.group(1)) > MAX_SIZE:
        raise BadRequest("the first line is `old <size>`, a decimal without leading zeros")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise BadRequest(f"at most {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in proof_lines:
        try:
            decoded = note.b64decode(line, "a proof line")
        except note.MalformedNote as error:
            raise BadRequest(str(error)) from None
        if len(decoded) != 32:
            raise BadRequest("a proof line is one base64 SHA-256 hash")
        proof.append(decoded)
    return Request(int(old.group(1)), tuple(proof), message)


class Witness:
    """One witness key, the logs it trusts (origin → their verifier keys), its state."""

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Mapping[str, Sequence[note.Verifier]],
        state: State,
    ) -> None:
        self.signer = signer
        self.logs = logs
        self.state = state

    def add_checkpoint(self, body: bytes) -> Response:
        try:
            request = parse_request(body)
            checkpoint = Checkpoint.parse(note.parse(request.message).text)
        except (BadRequest, note.MalformedNote) as error:
            return refuse(400, f"malformed request: {error}")
        verifiers = self.logs.get(checkpoint.origin)
        if verifiers is None:
            return refuse(404, f"unknown origin {checkpoint.origin!r}")
        try:
            open_checkpoint(request.message, verifiers, origin=checkpoint.origin)
        except note.UnverifiedNote as error:
            return refuse(403, f"origin {checkpoint.origin!r}: {error}")
        if request.old > checkpoint.size:
            return refuse(400, f"{describe(request, checkpoint)}: old size above the new size")
        with self.state.transaction() as transaction:
            latest = transaction.latest(checkpoint.origin)
            refusal = check(request, checkpoint, latest)
            if refusal is not None:
                return refusal
            cosigned = cosign(request.message, self.signer)
            transaction.store(
                checkpoint.origin, Latest(checkpoint.size, checkpoint.root_hash, cosigned)
            )
        ours = [
            s
            for s in note.parse(cosigned).signatures
            if (s.name, s.key_id) == (self.signer.name, self.signer.key_id)
        ]
        logger.info("cosigned %s", describe(request, checkpoint))
        return Response(200, "".join(s.line() for s in ours))


def check(request: Request, checkpoint: Checkpoint, latest: Latest) -> Response | None:
    """Why this checkpoint may not follow the latest one cosigned, as a response; None if it may."""
    seen = f"{describe(request, checkpoint)}; latest cosigned size {latest.size} root {note.b64encode(latest.root_hash)}"
    evidence = f"signed checkpoint {request.message!r}"
    if request.old != latest.size:
        return refuse(409, f"{seen}: the old size is not the latest", latest.size)
    if request.old == checkpoint.size and checkpoint.root_hash != latest.root_hash:
        return refuse(409, f"FORK {seen}: same size, another root; {evidence}", latest.size)
    proved = verify_consistency(
        request.old, checkpoint.size, latest.root_hash, checkpoint.root_hash, request.proof
    )
    if not proved:
        return refuse(422, f"FORK? {seen}: the consistency proof does not verify; {evidence}")
    return None


def describe(request: Request, checkpoint: Checkpoint) -> str:
    return (
        f"origin {checkpoint.origin!r} old {request.old} size {checkpoint.size} "
        f"root {note.b64encode(checkpoint.root_hash)}"
    )


def refuse(status: int, reason: str, latest_size: int | None = None) -> Response:
    logger.warning("refused %d: %s", status, reason)
    if latest_size is not None:
        return Response(status, f"{latest_size}\n", SIZE_TYPE)
    return Response(status, reason + "\n")
