"""introductions: programmes, participants, rounds, groups, bridges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "avoidances",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("avoided_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["avoided_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", "avoided_id"),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=80), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("mix_kinds", sa.String(length=200), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("anchor_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("followup_days", sa.Integer(), nullable=False),
        sa.Column("ban_rounds", sa.Integer(), nullable=False),
        sa.Column("starters", sa.JSON(), nullable=False),
        sa.Column("next_starter", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("followup_schedule_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["followup_schedule_id"], ["schedules.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "channel_id"),
    )
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programmes_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "pairing_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("slot_at", UTCDateTime(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("followups_sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "number"),
    )
    with op.batch_alter_table("pairing_rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pairing_rounds_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "participants",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_until", UTCDateTime(), nullable=True),
        sa.Column("about", sa.String(length=300), nullable=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("programme_id", "member_id"),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "pairing_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("starter", sa.Text(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["pairing_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pairing_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairing_groups_round_id"), ["round_id"], unique=False)

    op.create_table(
        "pairing_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("learning", sa.Text(), nullable=True),
        sa.Column("learning_quotable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["pairing_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "member_id"),
    )
    with op.batch_alter_table("pairing_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pairing_group_members_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "silo_bridges",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("silo_a", sa.Integer(), nullable=False),
        sa.Column("silo_b", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["pairing_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["pairing_rounds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["silo_a"], ["silos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["silo_b"], ["silos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "silo_a", "silo_b"),
    )
    with op.batch_alter_table("silo_bridges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_silo_bridges_pair", ["workspace_id", "silo_a", "silo_b"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_silo_bridges_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("silo_bridges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_silo_bridges_round_id"))
        batch_op.drop_index("ix_silo_bridges_pair")

    op.drop_table("silo_bridges")
    with op.batch_alter_table("pairing_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_group_members_member_id"))

    op.drop_table("pairing_group_members")
    with op.batch_alter_table("pairing_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_groups_round_id"))

    op.drop_table("pairing_groups")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participants_member_id"))

    op.drop_table("participants")
    with op.batch_alter_table("pairing_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_rounds_programme_id"))

    op.drop_table("pairing_rounds")
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programmes_workspace_id"))

    op.drop_table("programmes")
    op.drop_table("avoidances")
