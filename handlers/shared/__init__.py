"""Helpers every job may use: text, time zones, days and times, channels."""
