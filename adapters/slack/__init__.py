"""Slack: the Web API side (``adapter``), the two ways in (``http_mode``, ``socket_mode``)."""
