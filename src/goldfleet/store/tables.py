"""The tables goldfleet owns, as SQLAlchemy Core. Migrations in ``migrations/`` create them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

audit = Table(
    "goldfleet_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),  # ISO 8601, UTC
    Column("actor", String(200), nullable=False),  # who asked (user @ host, and the app used)
    Column("action", String(100), nullable=False),  # e.g. apply, plan.saved, change.applied
    Column("subject", Text, nullable=False),  # what it was about (resource id, plan, tenant)
    Column("plan_hash", String(64)),
    Column("workflow_id", String(200)),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),  # SHA-256 of the content and prev_hash
    Column("mac", String(64)),  # HMAC with the audit key over the content and the previous MAC
)

# The chain's newest entry, sealed with the audit key; updated in the same transaction as each
# append, so deleting the newest entries leaves a head that names a missing entry.
audit_head = Table(
    "goldfleet_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64)),
    Column("legacy_until", Integer, nullable=False),  # entries up to here predate the key
    Column("key_id", String(64)),
    Column("updated_at", String(40)),
    Column("seal", String(64)),
)

# Signed statements of the head (Ed25519), to publish outside the database.
audit_checkpoints = Table(
    "goldfleet_audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64)),
    Column("made_at", String(40), nullable=False),
    Column("chain_key_id", String(64), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)

plans = Table(
    "goldfleet_plans",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("observed_fingerprint", String(64), nullable=False),
    Column("body", JSON, nullable=False),
    Column("applied_by_workflow", String(200)),
)

rate_buckets = Table(
    "goldfleet_rate_buckets",
    metadata,
    Column("key", String(300), primary_key=True),  # tenant|subscription|reads
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),  # clock seconds of the last refill
    Column("blocked_until", Float, nullable=False, default=0.0),
)

releases = Table(
    "goldfleet_releases",
    metadata,
    Column("release_id", String(300), primary_key=True),
    Column("pipeline", String(200), nullable=False),
    Column("version", String(64), nullable=False),
    Column("source_id", Text, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("targets", JSON, nullable=False),
    Column("lineage", JSON, nullable=False),
    Column("validation", JSON, nullable=False),
)

builds = Table(
    "goldfleet_builds",
    metadata,
    Column("build_id", String(300), primary_key=True),
    Column("pipeline", String(200), nullable=False),
    Column("builder", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("scheduled", Boolean, nullable=False),
    Column("source_version", Text),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("version", String(64)),
    Column("provenance", JSON),
    Column("log", Text),
    Column("error", Text),
    Column("updated_at", String(40), nullable=False),
    Index("ix_goldfleet_builds_pipeline_version", "pipeline", "version"),
    Index("ix_goldfleet_builds_pipeline_started", "pipeline", "started_at"),
)

locks = Table(
    "goldfleet_locks",
    metadata,
    Column("object", String(300), primary_key=True),
    Column("holder", String(300), nullable=False),
    Column("command", String(300), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("acquired_at", String(40), nullable=False),
)
