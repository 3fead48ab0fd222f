"""Accounts: users with their transitions, sign-in tokens, login throttling, account emails."""
