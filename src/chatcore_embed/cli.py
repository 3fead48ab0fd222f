"""The `chatcore` command's entry point: first make sure whose `entrypoints` it would run."""

import sys
from collections.abc import Sequence

from chatcore_embed.packages import PackageClash, check_packages


def main(argv: Sequence[str] | None = None) -> int:
    """Run `entrypoints.cli`, or say which namesake package stands in its way (exit 2)."""
    try:
        check_packages()
    except PackageClash as error:
        print(f"chatcore: {error}", file=sys.stderr)
        return 2
    from entrypoints.cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
