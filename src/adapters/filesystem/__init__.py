"""Filesystem adapters: object storage as files under one root folder."""

from adapters.filesystem.objects import FileObjectStore

__all__ = ["FileObjectStore"]
