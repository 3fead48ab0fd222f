"""The TextExtractor port: pypdf for PDF, the standard library for DOCX, catdoc for
legacy DOC, each document read in a child process with bounded memory and time."""

from adapters.text_extraction.isolated import IsolatedTextExtractor

__all__ = ["IsolatedTextExtractor"]
