"""Adapters: the ports of `chatcore` made real, one module or package per technology."""
