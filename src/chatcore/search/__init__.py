"""Search over what a user has: their messages and the text of their artifacts."""
