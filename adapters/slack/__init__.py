"""Slack: the Web API side (``adapter``) and the two ways in (``http_mode``, ``socket_mode``).

The ways in share one bolt app (``listeners``) and know the adapter only as an
``EventSink`` (``sink``), so the adapter imports them and never the reverse.
HTTP mode checks each request's signature and reads its body first
(``request_check``); ``inbound`` turns payloads into events, with members'
text decoded once (``slack_text``).
"""
