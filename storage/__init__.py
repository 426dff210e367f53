"""Convene's storage: tables, engine and sessions, repositories and migrations.

This package imports nothing else of Convene's, so that the schema and its
queries can be read, migrated and tested on their own.
"""
