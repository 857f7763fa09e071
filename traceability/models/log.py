"""The transparency log of trace events (`traceability.services.log`).

Every trace event becomes one leaf of an RFC 9162 Merkle tree, in the order the
sequencer took them (not their keys' order: a transaction may commit after a
later one). The tree is stored as C2SP tlog-tiles lays it out: the hash of every
complete subtree by (level, index), level 0 the leaves. All of it is
append-only; an edit shows as a root that differs from a signed checkpoint.

A leaf keeps its event's key as a plain number, not a foreign key, so that
deleting an event leaves its leaf behind, naming it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.core.append_only import AppendOnlyModel


class TraceLog(models.Model):
    """The one row appends and the signer lock (`shop.core.db.lock_rows`), so that
    leaves get consecutive indices and one run at a time signs."""

    origin = models.CharField(_("origin"), max_length=200, unique=True)
    # The newest audit's finding (`traceability.services.audit`), blank when it
    # found nothing: while it stands, the signer signs nothing.
    audit_reason = models.CharField(_("audit finding"), max_length=40, blank=True)
    audit_detail = models.CharField(_("audit detail"), max_length=500, blank=True)
    audit_event = models.PositiveBigIntegerField(_("event at fault"), null=True, blank=True)
    audit_leaf = models.PositiveBigIntegerField(_("leaf at fault"), null=True, blank=True)
    audited_at = models.DateTimeField(_("audited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("trace log")
        verbose_name_plural = _("trace logs")

    def __str__(self) -> str:
        return self.origin


class LogHead(models.Model):
    """The log's end: how many leaves it has and the hashes of the complete subtrees
    its tree ends in (its right edge, lowest level first). One row, which appends
    and the signer lock: an append reads it with its lock and writes it with the
    leaf, so recording reads nothing else of the log. Each append checks it
    against the stored leaves and nodes in the statement that writes, and the
    signer restores it from them (`traceability.services.signing`)."""

    size = models.PositiveBigIntegerField(_("leaves"), default=0)
    edge = models.BinaryField(_("right edge"), default=b"")
    # The log's name (C2SP origin) its receipts and checkpoints carry: appends are
    # refused while the server names its log otherwise (blank: taken at the next).
    origin = models.CharField(_("origin"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("log head")
        verbose_name_plural = _("log heads")

    def __str__(self) -> str:
        return f"{self.size}"


class LogLeaf(AppendOnlyModel):
    """Leaf `index` of the log: an event's hash and the chains (batch ids) it is on,
    or a batch's record (its facts, as created)."""

    index = models.PositiveBigIntegerField(_("index"), primary_key=True)
    event_id = models.PositiveBigIntegerField(_("event"), null=True, unique=True)
    batch_id = models.PositiveBigIntegerField(_("batch record"), null=True, unique=True)
    hash = models.BinaryField(_("leaf hash"), max_length=32)
    chains = models.CharField(_("chains"), max_length=400)

    class Meta:
        verbose_name = _("log leaf")
        verbose_name_plural = _("log leaves")
        ordering = ["index"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event_id__isnull=True) ^ models.Q(batch_id__isnull=True),
                name="log_leaf_event_or_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.index}: {self.event_id}"


class LogLeafChain(AppendOnlyModel):
    """Which leaves are on a batch's chain: a batch's verification finds every leaf
    of its chain here, even one whose event was deleted."""

    leaf = models.ForeignKey(
        LogLeaf, on_delete=models.PROTECT, related_name="on_chains", verbose_name=_("leaf")
    )
    chain = models.PositiveBigIntegerField(_("chain"))

    class Meta:
        verbose_name = _("log leaf chain")
        verbose_name_plural = _("log leaf chains")
        indexes = [models.Index(fields=["chain", "leaf"], name="log_leaf_chain")]

    def __str__(self) -> str:
        return f"{self.chain}: {self.leaf_id}"


class LogNode(AppendOnlyModel):
    """The hash of the complete subtree of 2^level leaves from leaf index·2^level (level ≥ 1)."""

    level = models.PositiveSmallIntegerField(_("level"))
    index = models.PositiveBigIntegerField(_("index"))
    hash = models.BinaryField(_("hash"), max_length=32)

    class Meta:
        verbose_name = _("log node")
        verbose_name_plural = _("log nodes")
        constraints = [
            # On PostgreSQL its index also carries the hash (migration 0009), so a
            # proof's nodes are read from the index alone; SQLite has no such index.
            models.UniqueConstraint(fields=["level", "index"], name="log_node_once"),
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.index}"


class LogCheckpoint(AppendOnlyModel):
    """A signed checkpoint (C2SP tlog-checkpoint) of the first `size` leaves; one size
    is signed again only to announce the log's next key."""

    size = models.PositiveBigIntegerField(_("tree size"), db_index=True)
    root = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("log checkpoint")
        verbose_name_plural = _("log checkpoints")
        ordering = ["-size", "-id"]

    def __str__(self) -> str:
        return f"{self.size} @ {self.signed_at.isoformat()}"


class LogCosignature(AppendOnlyModel):
    """A witness's cosignature (C2SP tlog-cosignature) of a checkpoint: its note line."""

    checkpoint = models.ForeignKey(
        LogCheckpoint,
        on_delete=models.PROTECT,
        related_name="cosignatures",
        verbose_name=_("checkpoint"),
    )
    witness = models.CharField(_("witness"), max_length=200)
    line = models.TextField(_("signature line"))
    cosigned_at = models.DateTimeField(_("cosigned at"))

    class Meta:
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="cosigned_once"),
        ]

    def __str__(self) -> str:
        return f"{self.witness}: {self.checkpoint_id}"


class LogAlert(AppendOnlyModel):
    """Something the signer refused or an audit found: for the operators, naming
    the event, the leaf or the checkpoint at fault."""

    class Kind(models.TextChoices):
        SIGNER_REFUSED = "signer_refused", _("the signer refused to sign")
        AUDIT_FAILED = "audit_failed", _("a record no longer verifies")
        WITNESS_REFUSED = "witness_refused", _("a witness refused a checkpoint")
        RECEIPT_MISSING = "receipt_missing", _("a farmer's receipt proves a record was removed")
        HEAD_RESTORED = "head_restored", _("the log's head was restored from the stored log")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=40)
    event_id = models.PositiveBigIntegerField(_("event"), null=True, blank=True)
    leaf_index = models.PositiveBigIntegerField(_("leaf"), null=True, blank=True)
    batch_id = models.PositiveBigIntegerField(_("batch"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trace alert")
        verbose_name_plural = _("trace alerts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reason}"


class BatchVerdict(models.Model):
    """The audit's last verdict on a batch's record (`traceability.services.audit`):
    when it changes, the batch's cached pages go, whatever they had cached."""

    batch_id = models.PositiveBigIntegerField(_("batch"), primary_key=True)
    ok = models.BooleanField(_("verified"))
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    event_id = models.PositiveBigIntegerField(_("event at fault"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("batch verdict")
        verbose_name_plural = _("batch verdicts")

    def __str__(self) -> str:
        return f"{self.batch_id}: {'ok' if self.ok else self.reason}"
