"""Builds: one row per build or capture of an image version, with its provenance.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goldfleet_builds",
        sa.Column("build_id", sa.String(300), primary_key=True),  # pipeline:version or a run id
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("builder", sa.String(32), nullable=False),  # imageBuilder | direct | capture
        sa.Column("status", sa.String(32), nullable=False),  # queued|running|succeeded|failed
        sa.Column("scheduled", sa.Boolean, nullable=False),  # started by a schedule
        sa.Column("source_version", sa.Text),  # the exact source version it used
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("version", sa.String(64)),  # the image version it made
        sa.Column("provenance", sa.JSON),
        sa.Column("log", sa.Text),  # the customization log, or where it is kept
        sa.Column("error", sa.Text),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index(
        "ix_goldfleet_builds_pipeline_version", "goldfleet_builds", ["pipeline", "version"]
    )
    op.create_index(
        "ix_goldfleet_builds_pipeline_started", "goldfleet_builds", ["pipeline", "started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_goldfleet_builds_pipeline_started", "goldfleet_builds")
    op.drop_index("ix_goldfleet_builds_pipeline_version", "goldfleet_builds")
    op.drop_table("goldfleet_builds")
