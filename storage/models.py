"""The tables of Convene's foundation.

Every table carries its workspace so that one database can serve several
workspaces (and several platforms) without their data meeting. Alembic owns
the schema: a change here needs a migration in ``storage/migrations``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, Text, UniqueConstraint
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
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the platform said the app was uninstalled or its tokens revoked: schedules
    stop at once, and the workspace's data is deleted ``[privacy] uninstalled_grace_days``
    later unless it is installed again (which clears this)."""


class WorkspaceSettings(SQLModel, table=True):
    """A workspace's own preferences, kept apart from the row the dispatcher caches.

    ``date_order`` is how the workspace writes numeric dates: ``dmy`` (31/12,
    the default) or ``mdy`` (12/31).
    """

    __tablename__ = "workspace_settings"

    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", primary_key=True)
    date_order: str = Field(default="dmy", max_length=3)
    digest_enabled: bool = Field(default=True)
    """The monthly digest to conveners: on unless a convener turned it off."""
    opportunities_enabled: bool = Field(default=True)
    """Suggestions of who should meet, DMed to conveners after each check-in run closes."""
    opportunity_kinds: str = Field(default="", max_length=200)
    """The kinds of silo two members must not share to be suggested ("" : any kind)."""
    opportunity_weeks: int = Field(default=8)
    """How many weeks of answers suggestions read, and how long an introduction or a
    "Not now" keeps a pair from being suggested again."""
    last_prune_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the daily retention job last ran for this workspace (``/convene status``)."""
    last_prune_counts: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    """What that run deleted, by kind ("answers", "retro_items", "learnings")."""


class SiloKind(SQLModel, table=True):
    """A kind of silo a convener added on purpose, beyond the standard list."""

    __tablename__ = "silo_kinds"

    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", primary_key=True)
    name: str = Field(max_length=32, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class FormDraft(SQLModel, table=True):
    """What a member typed into a form that one field spoiled, kept to fill the form again.

    ``form`` is the form with the typed values as its fields' initial values;
    ``field`` names the field to fix and ``reason`` says why.
    """

    __tablename__ = "form_drafts"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    form: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    field: str = Field(max_length=64)
    reason: str = Field(sa_column=Column(Text, nullable=False))
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
    dms_closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When a DM to the member was last refused because they closed their DMs to
    the bot (Discord); cleared when one gets through. Conveners see who."""
    email: str | None = Field(default=None, max_length=254)
    """From a members file: how an imported member is matched to their platform account."""
    welcomed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the welcome DM went to the member on their first contact; None: not yet."""
    suggestions_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the member opted out of suggestions (``/pairing suggest off``): never
    suggested, listed by ``/pairing find`` or read for topic affinity; None: in."""
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the member was forgotten (``/convene me forget``, or removed by a convener):
    the row stays only so that what the team keeps (commitments, introductions counted
    on the landscape) has an owner, shown as "a former member"; it holds no name, no
    platform id and no text of theirs, and nothing is ever sent to it."""


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


class InboxEvent(SQLModel, table=True):
    """An event the platform has its acknowledgement for, kept until it is handled.

    Slack sends a slash command or a click once and never again once it is
    acknowledged, so the event is written here before the acknowledgement
    leaves, and deleted in the transaction that handles it. A row whose
    holder died is taken over by another instance once ``lease_until`` has
    passed. ``payload`` is the whole event (member text included), which is
    why a row lives no longer than its handling. ``id`` is the arrival order.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "event_id"),
        Index("ix_inbox_lease", "lease_until", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    event_id: str = Field(max_length=200)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str = Field(max_length=128)
    lease_until: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    """How many times an instance took the row over after its holder let it go."""


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
    grace_minutes: int | None = Field(default=None)
    """How late a missed slot may still run; None for the scheduler's default.

    A check-in's run may open hours late and still reach most members, so it
    asks for a day; a round of introductions keeps the short default.
    """
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
    min_gap_days: int = Field(default=5)
    """No member is introduced twice within this many days, unless the convener insists."""
    affinity: bool = Field(default=False)
    """Whether rounds also weigh topic affinity: one member's needs against another's offers."""
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
    """A round of a programme's introductions, or one introduction made outside the rounds.

    ``origin`` says which: ``round`` (scheduled or ``round now``, numbered within
    its programme), ``suggestion`` (a convener accepted an opportunity) or
    ``asked`` (a member pressed ``[Introduce us]``). An introduction outside the
    rounds has no programme and number 0; it holds one group, is followed up
    like any other and counts on the landscape under the workspace.
    """

    __tablename__ = "pairing_rounds"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    programme_id: int | None = Field(
        default=None, foreign_key="programmes.id", ondelete="CASCADE", index=True
    )
    origin: str = Field(default="round", max_length=16)
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
    learning_consent: str = Field(default="conveners", max_length=16)
    """How the take-away may be used: ``conveners`` (only conveners read it, the
    default), ``named`` (shared with the member's name) or ``anonymous`` (shared
    without it). Reports, maps, exports and the dashboard honour it."""
    met_marked_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    """The convener who marked the group as met for the member (told in person)."""


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


class Timer(SQLModel, table=True):
    """A one-off wake-up at a moment: a reminder, a run's close, a member's 09:00.

    Recurring work is a ``Schedule``; a timer fires once. ``key`` makes adding
    the same timer twice a no-op, and the claim (``status`` from pending to
    ran, in the same transaction as its work) makes it fire once whatever the
    number of instances.
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    job: str = Field(max_length=64)
    subject_id: int | None = Field(default=None)
    key: str = Field(max_length=255, unique=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Checkin(SQLModel, table=True):
    """A recurring check-in: questions asked at each member's own local time.

    ``weekdays`` lists the days it runs (Monday = 0, comma-separated); runs
    happen every ``every_weeks``-th week counted from ``anchor_at``. The ask
    time ``hour:minute``, the reminder delay and the close time are read in
    each member's own time zone (``timezone`` stands in for members who set
    none). ``closes_minute`` counts minutes from the run day's midnight
    (1440, the default, is the end of the day).
    """

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    channel_id: str = Field(max_length=64)
    channel_name: str = Field(max_length=80)
    template: str = Field(max_length=32)
    questions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    weekdays: str = Field(max_length=20)
    every_weeks: int = Field(default=1)
    hour: int = Field(default=9)
    minute: int = Field(default=0)
    timezone: str = Field(max_length=64)
    anchor_at: datetime = Field(sa_type=UTCDateTime)
    audience: str = Field(default="channel", max_length=16)
    answers_to: str = Field(default="thread", max_length=16)
    """Who reads the answers: ``thread`` (posted with the member's name in the run's
    channel thread), ``conveners`` (to conveners only) or ``summary`` (the thread gets
    counts, pulse averages and quotes their authors allowed, naming nobody)."""
    remind_after_minutes: int = Field(default=180)
    closes_minute: int = Field(default=1440)
    status: str = Field(default="active", max_length=16)
    schedule_id: int | None = Field(default=None, foreign_key="schedules.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_type=UTCDateTime)


class CheckinMember(SQLModel, table=True):
    """A member's own choices about one check-in: joined, left, skipping.

    Members of a channel-wide check-in need no row until they choose
    something; ``choice`` is "joined", "left" or "" (no choice made).
    """

    __tablename__ = "checkin_members"

    checkin_id: int = Field(foreign_key="checkins.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(
        foreign_key="members.id", ondelete="CASCADE", primary_key=True, index=True
    )
    choice: str = Field(default="", max_length=16)
    skip_next: bool = Field(default=False)
    skip_until: str | None = Field(default=None, max_length=10)
    """An ISO date (inclusive), read as the member's local date."""
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CheckinRun(SQLModel, table=True):
    """One day's check-in: one root post in the channel, one thread of answers."""

    __tablename__ = "checkin_runs"
    __table_args__ = (UniqueConstraint("checkin_id", "run_date"),)

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkins.id", ondelete="CASCADE", index=True)
    run_date: str = Field(max_length=10)
    """The local date the run is for (ISO), the same for every member."""
    questions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    """The questions as they were when the run opened (later edits do not change it)."""
    manual: bool = Field(default=False)
    status: str = Field(default="open", max_length=16)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CheckinPrompt(SQLModel, table=True):
    """One member's part in one run: when to ask, remind and close, and the answers.

    ``status`` moves from "pending" (not asked yet) to "asked", then to
    "answered" or "skipped"; a run that closes leaves "missed" (asked, no
    answer) or "expired" (never asked, because Convene was down).
    """

    __tablename__ = "checkin_prompts"
    __table_args__ = (Index("ix_checkin_prompts_member", "member_id", "status"),)

    run_id: int = Field(foreign_key="checkin_runs.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", primary_key=True)
    status: str = Field(default="pending", max_length=16)
    due_at: datetime = Field(sa_type=UTCDateTime)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_at: datetime = Field(sa_type=UTCDateTime)
    asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Answers in question order; shorter than the questions while in progress."""
    edits: int = Field(default=0)
    quote_ok: bool = Field(default=False)
    """In a summary-only check-in: the member allowed their answers to be quoted in the
    summary without their name."""


class Retro(SQLModel, table=True):
    """A retrospective held in a channel's thread: items in categories, votes, a close.

    ``author_salt`` exists only while an anonymous retro is open: with a key
    that never enters the database, it lets a member prove an item is theirs
    (to edit or delete it) without the database holding who wrote what. The
    close drops it and every item's tag.
    """

    __tablename__ = "retros"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key"),
        Index("ix_retros_channel", "workspace_id", "channel_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    channel_id: str = Field(max_length=64)
    channel_name: str = Field(max_length=80)
    format: str = Field(max_length=32)
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    anonymous: bool = Field(default=False)
    votes_per_member: int = Field(default=3)
    status: str = Field(default="open", max_length=16)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    author_salt: str | None = Field(default=None, max_length=64)
    opened_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RetroItem(SQLModel, table=True):
    """One item of a retro, posted by the bot in its thread with a vote button.

    In an anonymous retro ``author_id`` and ``created_at`` stay empty and
    ``author_tag`` is a keyed hash that only the running bot can check.
    """

    __tablename__ = "retro_items"
    __table_args__ = (UniqueConstraint("retro_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    retro_id: int = Field(foreign_key="retros.id", ondelete="CASCADE", index=True)
    number: int
    category: str = Field(max_length=40)
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    author_tag: str | None = Field(default=None, max_length=64)
    status: str = Field(default="posted", max_length=16)
    edits: int = Field(default=0)
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RetroVote(SQLModel, table=True):
    """A member's +1 on an item; one a member per item, taken back by pressing again."""

    __tablename__ = "retro_votes"

    item_id: int = Field(foreign_key="retro_items.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", primary_key=True)
    retro_id: int = Field(foreign_key="retros.id", ondelete="CASCADE", index=True)


class Commitment(SQLModel, table=True):
    """ "I will X by D": an owner, a due date read in their zone, a status, reminders.

    ``status`` is "proposed" (asked of someone who has not accepted yet),
    "open", "blocked", "done", "dropped" or "declined". ``remind_at`` is the
    next reminder (the owner's 09:00 the day before, on the day, then weekly
    while overdue), or None when none is due. Where the commitment was made in
    a channel or thread, and not ``private``, its changes are posted back there.
    """

    __tablename__ = "commitments"
    __table_args__ = (
        Index("ix_commitments_reminders", "workspace_id", "remind_at"),
        Index("ix_commitments_owner", "owner_id", "status"),
        Index("ix_commitments_workspace", "workspace_id", "status", "due_on"),
        UniqueConstraint("workspace_id", "number", name="uq_commitments_workspace_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    number: int = Field(default=0)
    """What members see and type (``/commit done 3``): counted within the workspace, so
    one workspace's numbers say nothing of another's."""
    owner_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    made_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    text: str = Field(max_length=500)
    due_on: str | None = Field(default=None, max_length=10)
    """The owner's local due date (ISO), or None for no date."""
    status: str = Field(default="open", max_length=16)
    note: str | None = Field(default=None, max_length=300)
    channel_id: str | None = Field(default=None, max_length=64)
    thread_id: str | None = Field(default=None, max_length=64)
    thread_root_key: str | None = Field(default=None, max_length=255)
    retro_id: int | None = Field(default=None, foreign_key="retros.id", ondelete="SET NULL")
    item_id: int | None = Field(default=None, foreign_key="retro_items.id", ondelete="SET NULL")
    private: bool = Field(default=False)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changes: int = Field(default=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_on_time: bool | None = Field(default=None)


class LandscapeMap(SQLModel, table=True):
    """A map as it was last drawn for one view (kind, programme, period).

    ``positions`` (silo id to x, y) start the next layout, so the picture
    stays put from one month to the next; ``bridges`` (``"a-b"`` to state)
    tell the next map which bridges are new since this one.
    """

    __tablename__ = "landscape_maps"
    __table_args__ = (UniqueConstraint("workspace_id", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    scope: str = Field(max_length=200)
    made_at: datetime = Field(sa_type=UTCDateTime)
    positions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    bridges: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DashboardToken(SQLModel, table=True):
    """A convener's way into the dashboard: a one-time link or the session it became.

    Only a SHA-256 of the token is kept, so a copy of the database opens
    nothing. ``purpose`` is ``link`` (15 minutes, used once) or ``session``
    (8 hours, in an HttpOnly cookie).
    """

    __tablename__ = "dashboard_tokens"

    token_hash: str = Field(max_length=64, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    purpose: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AwaitedFile(SQLModel, table=True):
    """A file Convene asked a member to send next in its DM (Slack's slash commands
    carry no files): what it is for, and until when the next file counts."""

    __tablename__ = "awaited_files"

    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", primary_key=True)
    purpose: str = Field(max_length=32)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class Opportunity(SQLModel, table=True):
    """A suggestion that two members from different silos meet: one's need, the other's offer.

    Made after a check-in run closes (``run_id``), shown to conveners with the two
    snippets that matched, and decided once: ``pending`` until a convener presses
    ``[Introduce them]`` (``introduced``, with the introduction's ``round_id``),
    ``[Not now]`` (``not_now``: not suggested again for the workspace's weeks)
    or ``[Never these two]`` (``never``: not again, either way round).
    """

    __tablename__ = "opportunities"
    __table_args__ = (Index("ix_opportunities_workspace_status", "workspace_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    run_id: int | None = Field(default=None, foreign_key="checkin_runs.id", ondelete="SET NULL")
    need_member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    offer_member_id: int = Field(foreign_key="members.id", ondelete="CASCADE", index=True)
    need_text: str = Field(sa_column=Column(Text, nullable=False))
    offer_text: str = Field(sa_column=Column(Text, nullable=False))
    need_source: str = Field(max_length=16)
    offer_source: str = Field(max_length=16)
    need_quotable: bool = Field(default=False)
    """Whether the need's text may be quoted to the two members (their consent)."""
    offer_quotable: bool = Field(default=False)
    score: float
    silo_a: int | None = Field(default=None, foreign_key="silos.id", ondelete="SET NULL")
    silo_b: int | None = Field(default=None, foreign_key="silos.id", ondelete="SET NULL")
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    round_id: int | None = Field(default=None, foreign_key="pairing_rounds.id", ondelete="SET NULL")


class AuditEntry(SQLModel, table=True):
    """One thing a convener did (added, removed, changed, exported), for ``/convene audit``.

    ``action`` is the command's words ("member remove"), ``subject`` what it acted on
    in words that are not member-typed text (a check-in's name, a channel, a setting);
    a member it acted on is ``subject_member_id``, named when read, so that a member
    forgotten later is shown as "a former member". Answer texts are never kept here.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_workspace_at", "workspace_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    subject: str = Field(default="", max_length=300)
    subject_member_id: int | None = Field(
        default=None, foreign_key="members.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class SlackInstallation(SQLModel, table=True):
    """Convene installed in one Slack workspace (or organisation) over OAuth.

    Tokens are kept encrypted (``bot_token``, ``bot_refresh_token``: Fernet with
    ``CONVENE_SECRET_KEY``); a copy of the database alone opens nothing.
    ``refreshing_until`` is the guard on token rotation: an instance takes it with one
    conditional UPDATE before refreshing, so two never refresh the same token at once.
    ``details`` keeps the rest of what Slack said at install that is not secret.
    """

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: str = Field(default="", max_length=32)
    team_id: str = Field(default="", max_length=32)
    is_enterprise_install: bool = Field(default=False)
    app_id: str = Field(default="", max_length=32)
    bot_id: str = Field(default="", max_length=32)
    bot_user_id: str = Field(default="", max_length=32)
    bot_scopes: str = Field(default="", sa_column=Column(Text, nullable=False))
    bot_token: str = Field(sa_column=Column(Text, nullable=False))
    bot_refresh_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    installer_user_id: str = Field(default="", max_length=32)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    installed_at: datetime = Field(sa_type=UTCDateTime)
    refreshing_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SlackOAuthState(SQLModel, table=True):
    """An OAuth ``state`` handed to the install page, used once before it expires."""

    __tablename__ = "slack_oauth_states"

    state: str = Field(max_length=200, primary_key=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class RateLimitMark(SQLModel, table=True):
    """How far one shared rate limit is booked, for instances that share a platform's limits.

    ``booked_until`` (seconds since the epoch) is the moment by which everything
    handed out so far has been paid for at the limit's rate: the "theoretical
    arrival time" of the generic cell rate algorithm. An instance books a few
    sends at once with one UPDATE (``storage.repositories.rate_limits``); a 429
    pushes it past the ``Retry-After`` for every instance. Marks long in the past
    mean nothing and are swept away.
    """

    __tablename__ = "rate_limit_marks"

    key: str = Field(max_length=255, primary_key=True)
    booked_until: float = Field(sa_column=Column(Float(precision=53), nullable=False))
