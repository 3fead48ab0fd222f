"""Chats: a user's chat sessions and their messages."""
