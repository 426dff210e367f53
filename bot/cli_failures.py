"""One line for whoever ran a ``convene`` command that stopped, and what to fix."""

from __future__ import annotations

import logging
import sys

from bot.adapter import PlatformUnavailable

log = logging.getLogger("convene")


def stopped_by(failure: Exception, *, starting: bool) -> int:
    """Say in one line why Convene stopped, and what to fix; the traceback goes to DEBUG.

    A start-up that fails is about the set-up (a database that does not
    answer, a refused token, a port in use), not a fault in Convene: a
    traceback would bury the one thing to change.
    """

    log.debug("Convene stopped", exc_info=failure)
    print(f"convene: {_why_it_stopped(failure, starting)}", file=sys.stderr)
    return 1


def _why_it_stopped(failure: BaseException, starting: bool) -> str:
    """One line for a failure that stopped ``convene run`` (``starting``) or ``db upgrade``."""

    from bot.log_destinations import file_in_use
    from storage.busy import DatabaseBusy
    from storage.opening import DatabaseUnavailable, MigrationFailed

    if isinstance(failure, DatabaseUnavailable):
        return f"cannot open the database: {failure}"
    if isinstance(failure, MigrationFailed | PlatformUnavailable):
        return f"cannot start: {failure}" if starting else str(failure)
    if isinstance(failure, DatabaseBusy):
        return (
            f"stopped: {failure}; is another program holding the database (a long "
            "transaction, a backup, an open sqlite3 shell)?"
        )
    lines = str(failure).strip().splitlines()
    said = f"{type(failure).__name__}: {lines[0]}" if lines else type(failure).__name__
    log_file = file_in_use()
    read = f" and read {log_file}" if log_file is not None else ""
    return (
        f"stopped by an error Convene did not expect ({said}); run it again with "
        f"CONVENE_LOG_LEVEL=DEBUG{read} to see where, and please report it"
    )
