"""The domain's errors. The delivery layer maps each class to a status code in one place."""


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Conflict(DomainError):
    """The change would break a uniqueness rule (a taken email or username)."""


class InvalidInput(DomainError):
    """Well-formed input that a business rule rejects (a short password, a bad token)."""


class Unauthenticated(DomainError):
    """No valid credentials: a wrong password, a missing, expired or revoked token."""


class RepositoryFetchFailed(DomainError):
    """A repository could not be ingested; `message` says why, for the artifact's `error`."""


class RepositoryUnavailable(RepositoryFetchFailed):
    """The repository could not be fetched or read: unreachable, missing, empty, malformed."""


class RepositoryOverLimit(RepositoryFetchFailed):
    """The repository exceeds a limit: file count, file size, total size or time."""


class Cancelled(Exception):
    """A long task stopped because its caller asked it to (a shutdown): nothing to record."""


class TooManyRequests(DomainError):
    """The caller must wait: too many attempts; `retry_after` says how long, in seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyPending(TooManyRequests):
    """The caller has as many repositories waiting to be ingested as one user may have."""


class TooLarge(DomainError):
    """The input is bigger than a documented limit allows (an upload, a file to show)."""


class StorageFault(DomainError):
    """Stored data the domain relies on is missing or unreadable: a fault, not bad input."""
