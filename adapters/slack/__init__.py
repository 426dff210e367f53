"""Slack: the Web API side (``adapter``) and the two ways in (``http_mode``, ``socket_mode``).

The ways in share one bolt app (``listeners``) and know the adapter only as an
``EventSink`` (``sink``), so the adapter imports them and never the reverse.
"""
