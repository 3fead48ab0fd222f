"""Delivery: the HTTP/WebSocket app, the command line, and the composition root."""

# chatcore_embed.packages looks for this line: PyPI has other packages of this name.
__distribution__ = "chatcore"
