"""Alembic migrations: the one owner of Convene's schema."""
