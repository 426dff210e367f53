"""Forgetting a member and exporting their data: what the privacy and landscape jobs share.

``/convene me forget`` (privacy) and ``/convene member remove`` (landscape) both
forget a member through ``forget``: storage erases and scrubs in the event's
transaction and says which messages on the platform held a text of theirs;
here each becomes an outbox row that deletes it (``OutgoingMessage.deletes``), or,
for a message others need to keep (a summary quoting them, a digest to conveners),
edits it to its scrubbed words; either goes under the target key the original now
has, so it goes after the original, and holds nothing of theirs. ``MEMBER_EXPORT``
lets a job add to a member's export what only it can prove is theirs (the retros
job: anonymous items).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.context import Context
from bot.hooks import Hook
from bot.markup import mention
from bot.messages import OutgoingMessage, Target
from handlers.shared.text import plural
from storage.models import Member
from storage.repositories import erasure as erasure_repo
from storage.repositories import outbox as outbox_repo


async def forget(
    context: Context, member: Member, *, keep_contributions: bool
) -> erasure_repo.Erasure:
    """Forget ``member`` in this event's transaction, and queue the platform deletions.

    What the handler queued before is written first, so that it is scrubbed too;
    nothing queued after may name them (their row no longer does).
    """

    await context.outbox.flush()
    erasure = await erasure_repo.erase_member(
        context.session,
        member,
        keep_contributions=keep_contributions,
        now=context.now,
        spoken_as=(mention(member.platform_user_id),),
    )
    await outbox_repo.enqueue(
        context.session,
        (
            outbox_repo.NewMessage(
                idempotency_key=f"{sent.target_key}:{_undo_word(sent)}",
                platform=sent.platform,
                workspace_external_id=sent.workspace_external_id,
                target_key=sent.target_key,
                payload=_undoing(sent),
            )
            for sent in erasure.to_delete
        ),
        context.now,
    )
    return erasure


def _undo_word(sent: erasure_repo.SentMessage) -> str:
    return "delete" if sent.scrubbed is None else "edit"


def _undoing(sent: erasure_repo.SentMessage) -> dict[str, Any]:
    """The message that takes their words off the platform: a delete of one that was
    theirs, or an edit to its scrubbed words of one that others need to keep."""

    if sent.scrubbed is None:
        return OutgoingMessage(Target.from_dict(sent.target), "", deletes=sent.deletes).to_dict()
    kept = OutgoingMessage.from_dict(sent.scrubbed)
    return OutgoingMessage(
        kept.target, kept.text, kept.buttons, kept.visible_to, replaces=sent.deletes
    ).to_dict()


def what_went_and_stayed(erasure: erasure_repo.Erasure, whose: str) -> tuple[list[str], list[str]]:
    """What forgetting deleted and what it kept for the team, counted, in the words of the
    reply to a convener (``whose`` "their") or to the member forgotten ("your")."""

    deleted = [
        plural(count, what)
        for count, what in (
            (erasure.answers, "check-in answer"),
            (erasure.learnings, "take-away from an introduction"),
            (erasure.suggestions, "suggestion"),
            (erasure.commitments_deleted, "commitment"),
            (erasure.retro_items_deleted, "retro item"),
        )
        if count
    ]
    if erasure.programmes:
        deleted.append(f"{whose} place in {plural(erasure.programmes, 'programme')}")
    if erasure.silos:
        deleted.append(f"{whose} links to {plural(erasure.silos, 'silo')}")
    kept = [
        plural(count, what)
        for count, what in (
            (erasure.commitments_kept, "commitment"),
            (erasure.retro_items_kept, "retro item"),
        )
        if count
    ]
    return deleted, kept


def messages_going(erasure: erasure_repo.Erasure, whose: str) -> str:
    """ "2 messages with your words are being taken off the platform", or "" for none."""

    count = len(erasure.to_delete)
    if not count:
        return ""
    verb = "is" if count == 1 else "are"
    return f" {plural(count, 'message')} with {whose} words {verb} being taken off the platform."


async def answer_in_place(
    context: Context, erasure: erasure_repo.Erasure, asked_key: str, text: str
) -> bool:
    """Edit the message that asked a forgotten member (``asked_key``, sent to them) to
    say ``text``: the edit finds their message by the original's reference, so it
    reaches them without naming them. False when that message was not theirs."""

    target_key = erasure.moved.get(asked_key)
    if target_key is None:
        return False
    await outbox_repo.enqueue(
        context.session,
        [
            outbox_repo.NewMessage(
                idempotency_key=f"{asked_key}:answered",
                platform=context.outbox.platform,
                workspace_external_id=context.outbox.workspace_external_id,
                target_key=target_key,
                payload=OutgoingMessage(
                    Target.dm(erasure_repo.tombstone_id(erasure.member_id)),
                    text,
                    replaces=asked_key,
                ).to_dict(),
            )
        ],
        context.now,
    )
    return True


@dataclass
class ExportAsked:
    """A member asked for their data; listeners add sections only they can fill."""

    member: Member
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


MEMBER_EXPORT: Hook[ExportAsked] = Hook("member.export")
