"""Convene's core: config, app wiring, events, commands, scheduler, outbox, clock."""

__version__ = "0.1.0"
