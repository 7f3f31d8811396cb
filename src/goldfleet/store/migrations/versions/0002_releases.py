"""Releases: one row per image version on its way through the stages.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goldfleet_releases",
        sa.Column("release_id", sa.String(300), primary_key=True),  # pipeline:version
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),  # per target: regions, states, errors
        sa.Column("lineage", sa.JSON, nullable=False),  # source version -> copies
        sa.Column("validation", sa.JSON, nullable=False),  # verdict, evidence, overrides
    )


def downgrade() -> None:
    op.drop_table("goldfleet_releases")
