"""The tables of Convene's foundation.

Every table carries its workspace so that one database can serve several
workspaces (and several platforms) without their data meeting. Alembic owns
the schema: a change here needs a migration in ``storage/migrations``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

metadata = SQLModel.metadata


class Workspace(SQLModel, table=True):
    """One Slack workspace, Discord guild or shell session."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    external_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    """A person Convene knows in one workspace."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "platform_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    platform_user_id: str = Field(max_length=64)
    display_name: str = Field(max_length=80)
    timezone: str | None = Field(default=None, max_length=64)
    is_convener: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Silo(SQLModel, table=True):
    """A part of the landscape: a team, an organisation, a profession, a site.

    ``name_key`` is the case-folded name, so "Public Health" and
    "public health" are one silo.
    """

    __tablename__ = "silos"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    kind: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MemberSilo(SQLModel, table=True):
    """A member belongs to a silo (a member may belong to several)."""

    __tablename__ = "member_silos"

    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", primary_key=True)
    silo_id: int = Field(foreign_key="silos.id", ondelete="CASCADE", primary_key=True, index=True)


class ProcessedEvent(SQLModel, table=True):
    """An incoming platform event that has been acted on.

    The primary key is the de-duplication: a retried delivery of the same
    event cannot insert a second row, so it cannot act twice.
    """

    __tablename__ = "processed_events"

    platform: str = Field(max_length=32, primary_key=True)
    event_id: str = Field(max_length=200, primary_key=True)
    received_at: datetime = Field(sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message waiting to go out, being sent, sent, or given up on.

    ``target_key`` groups the messages that must arrive in order (one DM, one
    channel, one thread); the deliverer never sends a row while an older row
    for the same target is still unsent.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_ready", "status", "next_attempt_at"),
        Index("ix_outbox_target_order", "target_key", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=255, unique=True)
    platform: str = Field(max_length=32)
    workspace_external_id: str = Field(max_length=64)
    target_key: str = Field(max_length=255)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    message_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Schedule(SQLModel, table=True):
    """A recurring job: a cron expression read in an IANA time zone.

    ``job`` names the registered schedule handler; ``subject_id`` says which
    check-in, programme or other thing it is for.
    """

    __tablename__ = "schedules"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    job: str = Field(max_length=64)
    subject_id: int | None = Field(default=None)
    cron: str = Field(max_length=120)
    timezone: str = Field(max_length=64)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ScheduleRun(SQLModel, table=True):
    """One slot of a schedule, claimed once.

    The primary key ``(schedule_id, slot_at)`` is what makes a slot run once
    when two instances fire it, or a restart replays it.
    """

    __tablename__ = "schedule_runs"

    schedule_id: int = Field(foreign_key="schedules.id", ondelete="CASCADE", primary_key=True)
    slot_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    status: str = Field(max_length=16)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str = Field(max_length=64)


class HandlerFailure(SQLModel, table=True):
    """A handler that raised: kept so a convener can see it in ``/convene status``."""

    __tablename__ = "handler_failures"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, index=True)
    event_id: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class Programme(SQLModel, table=True):
    """An introductions programme: rounds of groups across silos, in one channel.

    Rounds fire on a weekly schedule (``schedule_id``) and run every
    ``every_weeks``-th week counted from ``anchor_at``; follow-ups go out from
    a daily schedule (``followup_schedule_id``) ``followup_days`` after a round.
    """

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    channel_id: str = Field(max_length=64)
    channel_name: str = Field(max_length=80)
    group_size: int = Field(default=2)
    mix_kinds: str = Field(default="", max_length=200)
    every_weeks: int = Field(default=1)
    weekday: int = Field(default=0)
    hour: int = Field(default=10)
    minute: int = Field(default=0)
    timezone: str = Field(max_length=64)
    anchor_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="active", max_length=16)
    followup_days: int = Field(default=3)
    ban_rounds: int = Field(default=4)
    starters: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    next_starter: int = Field(default=0)
    schedule_id: int | None = Field(default=None, foreign_key="schedules.id", ondelete="SET NULL")
    followup_schedule_id: int | None = Field(
        default=None, foreign_key="schedules.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class Participant(SQLModel, table=True):
    """A member who opted in to a programme (joining is never automatic)."""

    __tablename__ = "participants"

    programme_id: int = Field(foreign_key="programmes.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(
        foreign_key="members.id", ondelete="CASCADE", primary_key=True, index=True
    )
    status: str = Field(default="active", max_length=16)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    about: str | None = Field(default=None, max_length=300)
    joined_at: datetime = Field(sa_type=UTCDateTime)


class Avoidance(SQLModel, table=True):
    """A member asked, privately, never to be grouped with another."""

    __tablename__ = "avoidances"

    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", primary_key=True)
    avoided_id: int = Field(foreign_key="members.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class PairingRound(SQLModel, table=True):
    __tablename__ = "pairing_rounds"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programmes.id", ondelete="CASCADE", index=True)
    number: int
    slot_at: datetime = Field(sa_type=UTCDateTime)
    participants: int = Field(default=0)
    followups_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PairingGroup(SQLModel, table=True):
    """One introduction; ``reasons`` keeps why it was made, for the intro and the stats."""

    __tablename__ = "pairing_groups"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pairing_rounds.id", ondelete="CASCADE", index=True)
    starter: str = Field(default="", sa_column=Column(Text, nullable=False))
    reasons: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PairingGroupMember(SQLModel, table=True):
    """A member's place in a group, and what they said at the follow-up."""

    __tablename__ = "pairing_group_members"

    group_id: int = Field(foreign_key="pairing_groups.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(
        foreign_key="members.id", ondelete="CASCADE", primary_key=True, index=True
    )
    outcome: str | None = Field(default=None, max_length=16)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    learning: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    learning_quotable: bool = Field(default=False)


class SiloBridge(SQLModel, table=True):
    """Two silos connected by an introduction: the landscape map, one row per group.

    Silos are kept in id order (``silo_a < silo_b``); the count of rows for a
    pair is how connected those two parts of the landscape are.
    """

    __tablename__ = "silo_bridges"
    __table_args__ = (Index("ix_silo_bridges_pair", "workspace_id", "silo_a", "silo_b"),)

    group_id: int = Field(foreign_key="pairing_groups.id", ondelete="CASCADE", primary_key=True)
    silo_a: int = Field(foreign_key="silos.id", ondelete="CASCADE", primary_key=True)
    silo_b: int = Field(foreign_key="silos.id", ondelete="CASCADE", primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    round_id: int = Field(foreign_key="pairing_rounds.id", ondelete="CASCADE", index=True)
