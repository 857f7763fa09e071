"""Checks a trace record of the market from its public answers alone (`docs/trace-log.md`).

    python -m traceverify <QR URL | short code> [--base URL] [--state FILE]
        [--key VKEY] [--witness VKEY ...] [--receipt FILE ...] [--json]

An independent implementation of the record's formats (canonical JSON, event
hashes, RFC 9162 proofs, C2SP signed notes, checkpoints and cosignatures): the
standard library and `cryptography`, nothing of the market's code, so that the
two can be checked against each other.
"""
