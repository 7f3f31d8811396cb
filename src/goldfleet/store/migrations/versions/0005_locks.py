"""Locks: which command holds which object (a pool, a pipeline, a tenant's resource groups...).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goldfleet_locks",
        sa.Column("object", sa.String(300), primary_key=True),  # an owner, e.g. pool/contoso
        sa.Column("holder", sa.String(300), nullable=False),  # a workflow id, or process:...
        sa.Column("command", sa.String(300), nullable=False),  # what the user ran
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("acquired_at", sa.String(40), nullable=False),  # ISO 8601, UTC, wall clock
    )


def downgrade() -> None:
    op.drop_table("goldfleet_locks")
