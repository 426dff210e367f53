"""Helpers every job may use, and that import no job.

Words people type, read once for every job: ``days``, ``times`` (of day),
``durations``, ``dates`` (due dates and moments) and ``schedules`` (weekly).
What a command points at: ``channels``, ``members`` (the workspace, a member,
a silo) and ``zones``. Writing: ``text``. Between jobs and the registry:
``help`` and the hooks modules.
"""
