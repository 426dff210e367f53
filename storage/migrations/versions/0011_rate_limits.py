"""Shared rate limits: how far each platform limit is booked, for several instances.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Additive: instances still on 0010 never read it, so it can land while they run.
    op.create_table(
        "rate_limit_marks",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("booked_until", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_marks")
