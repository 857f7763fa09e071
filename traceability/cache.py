"""The public-cache tags of traceability. Batch lists are private (signed-in
responses are never cached); what the public sees of a batch (its provenance)
hangs on `batch_tag`, which the services bump after a change commits."""

BATCH_LIST = "traceability:batches"
# Bumped when a checkpoint is signed: a provenance page still waiting for its
# first checkpoint hangs on it (a verified one does not change with new ones).
CHECKPOINTS = "traceability:checkpoints"


def batch_tag(batch_id: int) -> str:
    """A batch with its serials and photos."""
    return f"traceability:batch:{batch_id}"


def batch_changed(batch_id: int) -> tuple[str, ...]:
    return batch_tag(batch_id), BATCH_LIST
