"""A retro's items: added through the form or a thread reply, voted on, edited, withdrawn.

Each item is posted by the bot in the retro's thread with ``[+1]``, and a
vote edits that message in place with the new count. In an anonymous retro
the bot keeps no author: only a keyed hash (``author_tag``) whose key never
enters the database lets the running bot recognise an author who asks to
edit or delete their own item, and the close forgets even that.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import Context
from bot.errors import FieldProblem, UserError, asking_again
from bot.events import ButtonClicked, FormSubmitted, MessagePosted, PlaceKind
from bot.markup import has_control_characters, plain
from bot.messages import Button, Form, FormField, FormProblem, OutgoingMessage, Target
from handlers.retros.formats import MAX_CATEGORY_LENGTH, category_meant
from handlers.shared.forgetting import ExportAsked
from handlers.shared.retro_hooks import thread_key
from handlers.shared.text import plural
from storage.models import FormDraft, Member, Retro, RetroItem
from storage.repositories import form_drafts as drafts_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import retros as retros_repo

MAX_ITEM = 500
MAX_ITEMS = 200
ADD_FORM = "retro.add"
EDIT_FORM = "retro.edit"
REPLY_FORM = "retro.reply"
"""A thread reply kept until its writer chooses a category (a draft, never opened)."""
REPLY_CATEGORY = "retro.reply_category"
_PREFIX = re.compile(
    r"^\s*(?P<category>[^:\n]{1," + str(MAX_CATEGORY_LENGTH) + r"})\s*:\s*(?P<text>\S.*)$",
    re.S,
)


# -- keys and places -------------------------------------------------------------------------


def root_key(retro_id: int) -> str:
    return thread_key(retro_id)


def item_key(retro_id: int, number: int) -> str:
    return f"retro:{retro_id}:item:{number}"


def thread_of(retro: Retro) -> Target:
    assert retro.id is not None
    return Target.thread(retro.channel_id, root_key=root_key(retro.id))


# -- who wrote it, for anonymous retros ------------------------------------------------------


@lru_cache(maxsize=1)
def _process_key() -> bytes:
    """A key for this process only, when no ``[retros] anonymity_key`` is configured."""

    return secrets.token_bytes(32)


def _key(context: Context) -> bytes:
    configured = context.settings.retros.anonymity_key.reveal()
    return configured.encode() if configured else _process_key()


def author_tag(context: Context, retro: Retro, number: int, member: Member) -> str:
    """A tag that proves authorship to the running bot and to no one holding only the data."""

    message = f"{retro.id}:{retro.author_salt}:{number}:{member.id}".encode()
    return hmac.new(_key(context), message, hashlib.sha256).hexdigest()


async def add_anonymous_items(context: Context, asked: ExportAsked) -> None:
    """A member's export: the items of open anonymous retros this bot can prove are theirs
    (a closed retro forgot its tags, so nobody can say whose its items were)."""

    assert context.workspace.id is not None
    found: list[dict[str, Any]] = []
    for retro in await retros_repo.of_workspace(context.session, context.workspace.id):
        if not retro.anonymous or retro.author_salt is None:
            continue
        for item in await retros_repo.items(context.session, retro.id or 0):
            if item.author_tag is not None and hmac.compare_digest(
                item.author_tag, author_tag(context, retro, item.number, asked.member)
            ):
                found.append(
                    {
                        "retro": retro.name,
                        "category": item.category,
                        "text": item.text,
                        "status": item.status,
                        "anonymous": True,
                    }
                )
    if found:
        asked.sections.setdefault("retro_items", []).extend(found)


def is_author(context: Context, retro: Retro, item: RetroItem) -> bool:
    if not retro.anonymous:
        return item.author_id == context.actor.id
    if item.author_tag is None or retro.author_salt is None:
        return False
    return hmac.compare_digest(
        item.author_tag, author_tag(context, retro, item.number, context.actor)
    )


# -- how an item looks -------------------------------------------------------------------------


def item_buttons(item: RetroItem) -> tuple[Button, ...]:
    value = str(item.id)
    return (
        Button("+1", "retro.vote", value, style="primary"),
        Button("Edit", "retro.edit", value),
        Button("Delete", "retro.delete", value),
    )


async def item_message(
    session: AsyncSession, retro: Retro, item: RetroItem, votes: int
) -> OutgoingMessage:
    by = ""
    if not retro.anonymous and item.author_id is not None:
        author = await members_repo.get(session, item.author_id)
        if author is not None:
            silos = (await members_repo.silo_names(session, [item.author_id])).get(item.author_id)
            where = f" ({', '.join(silos)})" if silos else ""
            by = f" · {plain(author.display_name)}{where}"
    count = f" · {plural(votes, 'vote')}" if votes else ""
    return OutgoingMessage(
        thread_of(retro),
        f"{item.number}. *{plain(item.category)}*: {plain(item.text)}{by}{count}",
        item_buttons(item),
    )


async def _reshow(context: Context, retro: Retro, item: RetroItem) -> None:
    """Edit the item's message in place (after a vote or an edit)."""

    assert retro.id is not None and item.id is not None
    votes = await retros_repo.votes_on(context.session, item.id)
    item.edits += 1
    await retros_repo.save(context.session, item)
    message = await item_message(context.session, retro, item, votes)
    key = item_key(retro.id, item.number)
    await context.outbox.send(
        f"{key}:edit:{item.edits}",
        OutgoingMessage(message.target, message.text, message.buttons, replaces=key),
    )


# -- adding ----------------------------------------------------------------------------------


def clean_item(text: str) -> str:
    item = text.strip()
    if not item:
        raise UserError("The item is empty; write what you want to say, then send it.")
    if has_control_characters(item.replace("\n", " ")):
        raise UserError("The item holds control characters; send it as plain text.")
    if len(item) > MAX_ITEM:
        raise UserError(
            f"The item is {len(item):,} characters long; items take at most {MAX_ITEM}. "
            "Nothing was added: make it shorter, or split it in two."
        )
    return item


def closed_text(retro: Retro) -> str:
    return (
        f'The retro "{plain(retro.name)}" is closed, so it takes no more items or votes. '
        "Its summary is in the thread."
    )


async def open_retro(context: Context, retro_id: int) -> Retro:
    retro = await retros_repo.get(context.session, retro_id)
    if retro is None or retro.workspace_id != context.workspace.id:
        raise UserError("That retro no longer exists.")
    if retro.status != retros_repo.OPEN:
        raise UserError(closed_text(retro))
    return retro


async def add_item(context: Context, retro: Retro, category: str, text: str) -> RetroItem:
    assert retro.id is not None
    if await retros_repo.item_count(context.session, retro.id) >= MAX_ITEMS:
        raise UserError(f"This retro has {MAX_ITEMS} items, as many as one retro takes.")
    number = await retros_repo.next_number(context.session, retro.id)
    item = RetroItem(retro_id=retro.id, number=number, category=category, text=text)
    if retro.anonymous:
        item.author_tag = author_tag(context, retro, number, context.actor)
    else:
        item.author_id = context.actor.id
        item.created_at = context.now
    await retros_repo.add_item(context.session, item)
    await context.outbox.send(
        item_key(retro.id, number), await item_message(context.session, retro, item, 0)
    )
    return item


def add_form(retro: Retro) -> Form:
    anonymous = " (anonymous)" if retro.anonymous else ""
    return Form(
        ADD_FORM,
        f"Add to {retro.name}"[: 45 - len(anonymous)] + anonymous,  # Discord: 45 at most
        (
            FormField("category", "Category", "choice", choices=tuple(retro.categories)),
            FormField("text", "Your item", "long_text", max_length=MAX_ITEM),
        ),
        context=str(retro.id),
        submit_label="Add",
    )


def _value_number(value: str) -> int:
    if not value.isdigit():
        raise UserError("That button belongs to something that no longer exists.")
    return int(value)


async def add_button(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    retro = await open_retro(context, _value_number(event.value))
    await context.open_form(add_form(retro))


async def add_form_submitted(context: Context) -> None:
    """Add the item; a category or text it cannot use is asked again, the other kept."""

    event = context.event
    assert isinstance(event, FormSubmitted)
    retro = await open_retro(context, _value_number(event.context))
    form, values = add_form(retro), event.values
    typed = str(values.get("category", ""))
    category = category_meant(retro.categories, typed)
    if category is None:
        raise FieldProblem(
            form,
            values,
            "category",
            f"{plain(typed)!r} is not one of this retro's categories: "
            f"{', '.join(retro.categories)}. Nothing was added.",
        )
    with asking_again(form, values, "text"):
        text = clean_item(str(values.get("text", "")))
    await add_item(context, retro, category, text)


# -- thread replies ------------------------------------------------------------------------------


def _category_prefix(text: str) -> re.Match[str] | None:
    """``Category: text``, unless the colon is a time's (``at 9:30``) or a link's (``https://``)."""

    found = _PREFIX.match(text)
    if found is None:
        return None
    before, after = found["category"].rstrip(), found["text"]
    if (before[-1:].isdigit() and after[:1].isdigit()) or after.startswith("//"):
        return None
    return found


def wants_thread_reply(event: MessagePosted) -> bool:
    """Any reply in a thread: only the database knows whether the thread is a retro's."""

    return event.place.kind is PlaceKind.THREAD and not event.text.startswith("/")


async def retro_of_thread(context: Context, *, status: str | None = None) -> Retro | None:
    """The retro whose root message a thread hangs from, if any (recent retros of the
    channel; only those with ``status``, when given)."""

    place = context.event.place
    assert context.workspace.id is not None
    for retro in (
        await retros_repo.in_channel(
            context.session, context.workspace.id, place.channel_id, status=status
        )
    )[:20]:
        assert retro.id is not None
        ref = await outbox_repo.sent_ref(context.session, root_key(retro.id))
        if ref is not None and str(ref.get("thread_id") or ref.get("message_id")) == str(
            place.thread_id
        ):
            return retro
    return None


async def thread_reply(context: Context) -> None:
    """A reply in a retro's thread: ``Category: text`` is added at once; a reply without a
    category the retro knows is kept, and its writer asked which category, with buttons.

    Chat under a closed retro's summary, and replies in threads that are not a
    retro's, are left alone.
    """

    event = context.event
    assert isinstance(event, MessagePosted)
    found = _category_prefix(event.text)
    # Plain chat is only ever answered under an open retro: look among those alone.
    retro = await retro_of_thread(context, status=None if found else retros_repo.OPEN)
    if retro is None:
        return  # a thread that is not a retro's: not ours to answer
    if retro.status != retros_repo.OPEN:
        raise UserError(closed_text(retro))
    if retro.anonymous:
        raise UserError(
            "This retro is anonymous, and a reply in the thread shows your name, so I did not "
            "add it. Press Add item on the retro's first message instead (you may want to "
            "delete your reply)."
        )
    category = category_meant(retro.categories, found["category"]) if found else None
    if found is not None and category is not None:
        await add_item(context, retro, category, clean_item(found["text"]))
        return
    could_be = _could_be(retro, found["category"]) if found is not None else []
    if found is not None and could_be:
        # "st:" meant Start or Stop: the words after it are the item.
        await _ask_category(
            context, retro, clean_item(found["text"]), found["category"].strip(), could_be
        )
        return
    prefix = found["category"].strip() if found is not None else None
    await _ask_category(context, retro, clean_item(event.text), prefix)


def _could_be(retro: Retro, typed: str) -> list[str]:
    """The categories a prefix is the start of, when it is the start of more than one."""

    word = " ".join(typed.split()).casefold()
    starts = [c for c in retro.categories if word and c.casefold().startswith(word)]
    return starts if len(starts) > 1 else []


def _reply_form(retro: Retro, text: str) -> Form:
    """A reply waiting for its category, kept as the add form with the text filled in.

    It has a form id of its own: sending the retro's add form about something
    else must not let go of it.
    """

    return replace(add_form(retro), form_id=REPLY_FORM).refilled(
        {"text": text}, FormProblem("category", "which category?")
    )


async def _ask_category(
    context: Context,
    retro: Retro,
    text: str,
    prefix: str | None = None,
    could_be: Sequence[str] = (),
) -> None:
    """Keep a reply and ask its writer, privately, which category it is for.

    ``prefix`` is what came before a colon, when no category was read from it;
    ``could_be`` the categories it starts, when it starts more than one.
    """

    assert context.workspace.id is not None and context.actor.id is not None and retro.id
    draft = await drafts_repo.add(
        context.session,
        FormDraft(
            workspace_id=context.workspace.id,
            member_id=context.actor.id,
            form=_reply_form(retro, text).to_dict(),
            field="category",
            reason="which category?",
            created_at=context.now,
        ),
    )
    starts = ", ".join(f"{c}:" for c in retro.categories[:-1]) + f" or {retro.categories[-1]}:"
    opening = ""
    if prefix is not None and could_be:
        opening = f"{plain(prefix)!r} could be {plain(' or '.join(could_be))}. "
    elif prefix is not None:
        opening = f"{plain(prefix)!r} is not a category of this retro. "
    await context.reply(
        f"{opening}Which category is this for? “{plain(_shortened(text))}” I add it to "
        f'"{plain(retro.name)}", as you wrote it, when you choose. (Starting a reply with '
        f"{starts} adds it at once; if it was not meant for the retro, ignore this.)",
        [
            Button(category, REPLY_CATEGORY, drafts_repo.button_value(draft, str(index)))
            for index, category in enumerate(retro.categories)
        ],
    )


def _shortened(text: str, most: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1] + "…"


ALREADY_ADDED = (
    "That reply is already in the retro (or it waited more than a week and was let go); "
    "look for it in the thread."
)


async def reply_category_button(context: Context) -> None:
    """The category chosen for a reply kept without one: the item is added, once."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    found = await drafts_repo.named(context.session, event.value, context.workspace.id)
    if found is None:
        raise UserError(ALREADY_ADDED)
    draft, more = found
    if draft.member_id != context.actor.id:
        raise UserError("Only the person who wrote that reply can choose its category.")
    form = Form.from_dict(draft.form)
    retro = await open_retro(context, _value_number(form.context))
    index = more[0] if more else ""
    if not index.isdigit() or int(index) >= len(retro.categories):
        raise UserError("That button belongs to something that no longer exists.")
    if draft.id is None or not await drafts_repo.take(context.session, draft.id):
        raise UserError(ALREADY_ADDED)
    category = retro.categories[int(index)]
    item = await add_item(context, retro, category, form.field_named("text").initial)
    await context.reply(f"Added as item {item.number}, under *{plain(category)}*.")


# -- votes, edits, withdrawals ---------------------------------------------------------------------


async def _item_here(context: Context, *, lock: bool = False) -> tuple[Retro, RetroItem]:
    event = context.event
    assert isinstance(event, ButtonClicked | FormSubmitted)
    value = event.value if isinstance(event, ButtonClicked) else event.context
    item = await retros_repo.item(context.session, _value_number(value), for_update=lock)
    if item is None:
        raise UserError("That item no longer exists.")
    retro = await open_retro(context, item.retro_id)
    if item.status != retros_repo.POSTED:
        raise UserError("Its author withdrew that item.")
    return retro, item


async def vote_button(context: Context) -> None:
    retro, item = await _item_here(context, lock=True)
    assert retro.id is not None and item.id is not None
    member_id = context.actor.id or 0
    if await retros_repo.has_vote(context.session, item.id, member_id):
        await retros_repo.remove_vote(context.session, item.id, member_id)
        used = await retros_repo.votes_used(context.session, retro.id, member_id)
        await _reshow(context, retro, item)
        await context.reply(
            f"Took back your vote on item {item.number}; you have "
            f"{retro.votes_per_member - used} of {retro.votes_per_member} left."
        )
        return
    used = await retros_repo.votes_used(context.session, retro.id, member_id)
    if used >= retro.votes_per_member:
        raise UserError(
            f"You have used all {plural(retro.votes_per_member, 'vote')} in "
            f'"{plain(retro.name)}". To move one, press +1 again on an item you voted for: '
            "that takes the vote back."
        )
    await retros_repo.add_vote(context.session, retro.id, item.id, member_id)
    await _reshow(context, retro, item)
    left = retro.votes_per_member - used - 1
    await context.reply(
        f"Voted for item {item.number}; {plural(left, 'vote')} left. "
        "Press +1 again to take it back."
    )


def _not_yours(retro: Retro) -> UserError:
    if retro.anonymous:
        return UserError(
            "Only the author of an item can change it, and I cannot tell that this one is yours "
            "(in an anonymous retro I keep no author, only a check that works while Convene "
            "runs with the same key)."
        )
    return UserError("Only the author of an item can change it.")


def edit_form(item: RetroItem) -> Form:
    return Form(
        EDIT_FORM,
        "Edit your item",
        (FormField("text", "Your item", "long_text", max_length=MAX_ITEM, initial=item.text),),
        context=str(item.id),
        submit_label="Save",
    )


async def edit_button(context: Context) -> None:
    retro, item = await _item_here(context)
    if not is_author(context, retro, item):
        raise _not_yours(retro)
    await context.open_form(edit_form(item))


async def edit_form_submitted(context: Context) -> None:
    event = context.event
    assert isinstance(event, FormSubmitted)
    retro, item = await _item_here(context)
    if not is_author(context, retro, item):
        raise _not_yours(retro)
    with asking_again(edit_form(item), event.values, "text"):
        item.text = clean_item(str(event.values.get("text", "")))
    await _reshow(context, retro, item)


async def delete_button(context: Context) -> None:
    retro, item = await _item_here(context)
    assert retro.id is not None and item.id is not None
    if not is_author(context, retro, item):
        raise _not_yours(retro)
    item.status = retros_repo.WITHDRAWN
    item.edits += 1
    await retros_repo.remove_votes_on(context.session, item.id)
    await retros_repo.save(context.session, item)
    key = item_key(retro.id, item.number)
    await context.outbox.send(
        f"{key}:edit:{item.edits}",
        OutgoingMessage(
            thread_of(retro), f"{item.number}. (withdrawn by its author)", replaces=key
        ),
    )
