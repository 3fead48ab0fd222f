"""Upkeep: the periodic purge of what was deleted long enough ago."""
