"""chatcore: the domain of a chat backend — users, chat sessions, messages and their rules.

Nothing in this package does I/O; the ports it needs are declared in `chatcore.ports`
and implemented in the `adapters` package.
"""
