"""Repositories: which git sources are allowed, their limits, and their ingestion."""
