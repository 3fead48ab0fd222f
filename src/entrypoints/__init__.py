"""Delivery: the HTTP/WebSocket app, the command line, and the composition root."""
