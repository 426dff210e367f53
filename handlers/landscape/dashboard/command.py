"""``/convene dashboard``: a convener's one-time link to the web dashboard.

The link is said only to the convener who asked (a private reply), works
once and within 15 minutes, and opens a session bound to them and this
workspace. ``--revoke`` closes every link and session they hold.
"""

from __future__ import annotations

from bot.commands import Args, CommandSpec, Flag
from bot.context import Context
from bot.registry import Registry
from handlers.landscape.dashboard.tokens import LINK_LIFETIME, digest, new_token
from handlers.shared.members import workspace_id
from handlers.shared.text import plural
from storage.repositories import dashboard as dashboard_repo

GROUP = "Landscape (conveners)"
USAGE = "/convene dashboard [--revoke]"

DISABLED = (
    "The dashboard is off. To turn it on, add these two lines to Convene's config file "
    "(convene.toml) and restart Convene:\n"
    "[dashboard]\n"
    "enabled = true\n"
    "(or set CONVENE_DASHBOARD_ENABLED=true). Then /convene dashboard gives you a link."
)


async def dashboard(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    assert context.actor.id is not None
    if args.flag("revoke"):
        closed = await dashboard_repo.revoke(context.session, wid, context.actor.id, context.now)
        await context.reply(
            f"Closed {plural(closed, 'dashboard link or session', 'dashboard links and sessions')}"
            " of yours. /convene dashboard gives you a new link."
            if closed
            else "You had no dashboard link or session open; nothing to close."
        )
        return
    settings = context.settings.dashboard
    if not settings.enabled:
        await context.reply(DISABLED)
        return
    token = new_token()
    await dashboard_repo.forget_expired(context.session, context.now)
    await dashboard_repo.add_token(
        context.session,
        token_hash=digest(token),
        workspace_id=wid,
        member_id=context.actor.id,
        purpose=dashboard_repo.LINK,
        now=context.now,
        expires_at=context.now + LINK_LIFETIME,
    )
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    await context.reply(
        f"Your dashboard link, for you alone: {settings.base_url}/login/{token}\n"
        f"It works once, within {minutes} minutes, and signs this browser in for 8 hours. "
        "Keep it to yourself; /convene dashboard --revoke closes it."
    )


SPEC = CommandSpec(
    path=("convene", "dashboard"),
    handler=dashboard,
    summary="Get a one-time link to the conveners' web dashboard.",
    usage=USAGE,
    example="/convene dashboard",
    params=(Flag("revoke"),),
    convener_only=True,
    group=GROUP,
)


def register(registry: Registry) -> None:
    registry.command(SPEC)
