"""Handlers, one module per job. Each has ``register(registry)``."""
