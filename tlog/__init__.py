"""The transparency log, as a library: RFC 9162 Merkle hashing and proofs
(`merkle`), C2SP signed notes (`note`), checkpoints (`checkpoint`) and witness
cosignatures (`cosignature`). Standard library and `cryptography` only; it
imports no project module."""
