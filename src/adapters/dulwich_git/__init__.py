"""Repositories fetched over git's smart HTTP protocol with dulwich."""

from adapters.dulwich_git.fetcher import DulwichRepositoryFetcher

__all__ = ["DulwichRepositoryFetcher"]
