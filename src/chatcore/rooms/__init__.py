"""Rooms: the real-time chat rooms and their history."""
