"""goldfleet's first tables: audit trail, saved plans, shared rate buckets.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goldfleet_audit",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("plan_hash", sa.String(64)),
        sa.Column("workflow_id", sa.String(200)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "goldfleet_plans",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("observed_fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("applied_by_workflow", sa.String(200)),
    )
    op.create_table(
        "goldfleet_rate_buckets",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        sa.Column("blocked_until", sa.Float, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("goldfleet_rate_buckets")
    op.drop_table("goldfleet_plans")
    op.drop_table("goldfleet_audit")
