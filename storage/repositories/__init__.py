"""Queries, one module per table family. Handlers call these; they hold no SQL themselves."""
