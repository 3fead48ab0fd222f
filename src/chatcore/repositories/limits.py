"""How much of a repository ingestion takes on: files, bytes and time (CHATCORE_REPOSITORY_*)."""

import attrs

MIB = 1024 * 1024


@attrs.frozen
class RepositoryLimits:
    """A fetch that would go past any of these fails as a whole: nothing partial is kept."""

    max_files: int = attrs.field(default=20_000, validator=attrs.validators.gt(0))
    max_file_bytes: int = attrs.field(default=5 * MIB, validator=attrs.validators.gt(0))
    max_total_bytes: int = attrs.field(default=200 * MIB, validator=attrs.validators.gt(0))
    timeout_seconds: float = attrs.field(default=120.0, validator=attrs.validators.gt(0))

    @property
    def max_tree_entries(self) -> int:
        """Tree entries of any kind a walk may visit: every file, and room for its folders."""
        return 5 * self.max_files + 1_000
