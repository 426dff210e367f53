"""The landscape: met as well as introduced, story consent, maps, dashboard, imports.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("welcomed_at", UTCDateTime(), nullable=True))
    # Members who were here before the welcome existed have long since met Convene.
    op.execute("UPDATE members SET welcomed_at = created_at")
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("pairing_group_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "learning_consent",
                sa.String(length=16),
                nullable=False,
                server_default="conveners",
            )
        )
        batch_op.add_column(sa.Column("met_marked_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_pairing_group_members_met_marked_by",
            "members",
            ["met_marked_by"],
            ["id"],
            ondelete="SET NULL",
        )
    # "May be quoted" meant with the member's name.
    op.execute(
        "UPDATE pairing_group_members SET learning_consent = 'named' "
        "WHERE learning_quotable = " + ("1" if _sqlite() else "true")
    )
    with op.batch_alter_table("pairing_group_members", schema=None) as batch_op:
        batch_op.drop_column("learning_quotable")
    op.create_table(
        "landscape_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("bridges", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "scope"),
    )
    op.create_table(
        "dashboard_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("dashboard_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_tokens_workspace_id", ["workspace_id"], unique=False)
    op.create_table(
        "awaited_files",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "member_id"),
    )


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def downgrade() -> None:
    op.drop_table("awaited_files")
    with op.batch_alter_table("dashboard_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_tokens_workspace_id")
    op.drop_table("dashboard_tokens")
    op.drop_table("landscape_maps")
    with op.batch_alter_table("pairing_group_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("learning_quotable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE pairing_group_members SET learning_quotable = "
        + ("1" if _sqlite() else "true")
        + " WHERE learning_consent = 'named'"
    )
    with op.batch_alter_table("pairing_group_members", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pairing_group_members_met_marked_by", type_="foreignkey")
        batch_op.drop_column("met_marked_by")
        batch_op.drop_column("learning_consent")
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.drop_column("digest_enabled")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("welcomed_at")
        batch_op.drop_column("email")
