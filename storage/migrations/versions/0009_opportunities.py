"""Opportunities: needs and offers, suggestions, introductions outside the rounds.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggestions_off_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "opportunities_enabled", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch_op.add_column(
            sa.Column("opportunity_kinds", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("opportunity_weeks", sa.Integer(), nullable=False, server_default="8")
        )
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("affinity", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Every round so far belongs to a programme; its workspace is the programme's.
    with op.batch_alter_table("pairing_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="round")
        )
    op.execute(
        "UPDATE pairing_rounds SET workspace_id = "
        "(SELECT programmes.workspace_id FROM programmes "
        "WHERE programmes.id = pairing_rounds.programme_id)"
    )
    with op.batch_alter_table("pairing_rounds", schema=None) as batch_op:
        batch_op.alter_column("workspace_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("programme_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            "fk_pairing_rounds_workspace_id",
            "workspaces",
            ["workspace_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_pairing_rounds_workspace_id", ["workspace_id"], unique=False)
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("need_member_id", sa.Integer(), nullable=False),
        sa.Column("offer_member_id", sa.Integer(), nullable=False),
        sa.Column("need_text", sa.Text(), nullable=False),
        sa.Column("offer_text", sa.Text(), nullable=False),
        sa.Column("need_source", sa.String(length=16), nullable=False),
        sa.Column("offer_source", sa.String(length=16), nullable=False),
        sa.Column("need_quotable", sa.Boolean(), nullable=False),
        sa.Column("offer_quotable", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("silo_a", sa.Integer(), nullable=True),
        sa.Column("silo_b", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["checkin_runs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["need_member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offer_member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["silo_a"], ["silos.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["silo_b"], ["silos.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["round_id"], ["pairing_rounds.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunities_workspace_status", ["workspace_id", "status"], unique=False
        )
        batch_op.create_index("ix_opportunities_need_member_id", ["need_member_id"], unique=False)
        batch_op.create_index("ix_opportunities_offer_member_id", ["offer_member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_offer_member_id")
        batch_op.drop_index("ix_opportunities_need_member_id")
        batch_op.drop_index("ix_opportunities_workspace_status")
    op.drop_table("opportunities")
    op.execute("DELETE FROM pairing_rounds WHERE programme_id IS NULL")
    with op.batch_alter_table("pairing_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_pairing_rounds_workspace_id")
        batch_op.drop_constraint("fk_pairing_rounds_workspace_id", type_="foreignkey")
        batch_op.alter_column("programme_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("origin")
        batch_op.drop_column("workspace_id")
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("affinity")
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.drop_column("opportunity_weeks")
        batch_op.drop_column("opportunity_kinds")
        batch_op.drop_column("opportunities_enabled")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("suggestions_off_at")
