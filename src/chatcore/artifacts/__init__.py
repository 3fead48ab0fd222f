"""Artifacts: uploads, archives and repositories attached to a chat session, file by file."""
