"""The jobs Convene does, one package each, and what they share.

Each job package (``introductions``, ``checkins``, ``retros``, ``commitments``,
``landscape``, ``profile``) exposes ``register(registry)`` in its ``__init__``;
``bot.wiring`` calls them. Jobs never import each other: what several need lives
in ``handlers.shared``, and what one job must tell another goes through the
registry's hooks.
"""
