"""Adapters: the ports of `chatcore` made real, one module or package per technology."""

# chatcore_embed.packages looks for this line: PyPI has other packages of this name.
__distribution__ = "chatcore"
