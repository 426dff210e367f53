"""Helpers every job may use, and that import no job.

Words people type, read once for every job: ``days``, ``times`` (of day),
``durations``, ``dates`` (due dates and moments: Convene's own phrases in
``date_phrases``, the date library in ``date_library``, which words are a date's in
``date_words``, the workspace's ``date_order``, and ``date_choice``, the buttons that
ask which date "3/12" meant) and ``schedules`` (weekly),
with ``upcoming`` (a schedule's next times, as its answer names them).
What a command points at: ``channels``, ``members`` (the workspace, a member,
a silo) and ``zones`` (with ``clock_names``: "GMT", "EST", "UTC+1" and the
zones they likely mean). Writing: ``text``. Between jobs and the registry:
``help`` and the hooks modules.
"""
