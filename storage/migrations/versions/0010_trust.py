"""Trust: forgotten members, private check-ins, retention, the audit log, Slack installs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uninstalled_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_prune_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("last_prune_counts", sa.JSON(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    # A commitment's number was its row id, shared by every workspace (one workspace's
    # numbers told how many the others had made). Numbers so far stay as they were.
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute("UPDATE commitments SET number = id")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            "uq_commitments_workspace_number", ["workspace_id", "number"]
        )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answers_to", sa.String(length=16), nullable=False, server_default="thread")
        )
    with op.batch_alter_table("checkin_prompts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quote_ok", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("subject_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["subject_member_id"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_entries_workspace_at", ["workspace_id", "created_at"], unique=False
        )
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("bot_id", sa.String(length=32), nullable=False),
        sa.Column("bot_user_id", sa.String(length=32), nullable=False),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_token", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("installer_user_id", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("installed_at", UTCDateTime(), nullable=False),
        sa.Column("refreshing_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "team_id"),
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_installations")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_workspace_at")
    op.drop_table("audit_entries")
    with op.batch_alter_table("checkin_prompts", schema=None) as batch_op:
        batch_op.drop_column("quote_ok")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("answers_to")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_commitments_workspace_number", type_="unique")
        batch_op.drop_column("number")
    with op.batch_alter_table("workspace_settings", schema=None) as batch_op:
        batch_op.drop_column("last_prune_counts")
        batch_op.drop_column("last_prune_at")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("uninstalled_at")
