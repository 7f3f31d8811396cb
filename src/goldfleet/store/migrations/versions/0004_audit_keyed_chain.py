"""Audit keyed chain: a MAC per entry, the chain's signed head, and signed checkpoints.

Existing entries are not re-keyed: they keep only their unkeyed SHA-256 chain and are recorded
as the *legacy* prefix (``legacy_until``). No key is needed here; the first append after this
migration seals the head with the audit key, and its MAC covers the legacy prefix's last hash.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column("goldfleet_audit", sa.Column("mac", sa.String(64)))
    head = op.create_table(
        "goldfleet_audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
        sa.Column("seq", sa.Integer, nullable=False),  # the newest entry (0: none)
        sa.Column("hash", sa.String(64), nullable=False),  # its SHA-256
        sa.Column("mac", sa.String(64)),  # its MAC (None until the first keyed append)
        sa.Column("legacy_until", sa.Integer, nullable=False),  # entries 1..n have no MAC
        sa.Column("key_id", sa.String(64)),  # which audit key the chain is keyed with
        sa.Column("updated_at", sa.String(40)),
        sa.Column("seal", sa.String(64)),  # HMAC of the fields above; None = not yet keyed
    )
    op.create_table(
        "goldfleet_audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64)),
        sa.Column("made_at", sa.String(40), nullable=False),
        sa.Column("chain_key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),  # Ed25519, raw, hex
        sa.Column("signature", sa.String(128), nullable=False),  # over the canonical statement
    )
    last = (
        op.get_bind()
        .execute(sa.text("SELECT seq, hash FROM goldfleet_audit ORDER BY seq DESC LIMIT 1"))
        .first()
    )
    seq, digest = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": digest, "legacy_until": seq}])


def downgrade() -> None:
    op.drop_table("goldfleet_audit_checkpoints")
    op.drop_table("goldfleet_audit_head")
    with op.batch_alter_table("goldfleet_audit") as batch:
        batch.drop_column("mac")
