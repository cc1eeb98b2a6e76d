"""Scans keep their request: the scanner options, who asked, the raw report artefact and the attempt count.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options", _JSON, nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(
            sa.Column("requested_by", sa.String(length=255), nullable=False, server_default="secureops")
        )
        batch_op.add_column(sa.Column("artefact_path", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("artefact_path")
        batch_op.drop_column("requested_by")
        batch_op.drop_column("options")
