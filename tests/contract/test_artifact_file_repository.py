from typing import Any

import pytest

from chatcore.artifacts.model import ArtifactFile
from tests.builders import new_id


def test_pages_come_sorted_by_path_with_the_total(database: Any) -> None:
    artifact = new_id()
    paths = ["src/b.py", "README.md", "src/a.py", "docs/ünïcode.md", "Z.txt", "src/utils/h.py"]
    database.artifact_files.add_many(artifact, [ArtifactFile(p, len(p)) for p in paths])
    database.artifact_files.add_many(new_id(), [ArtifactFile("other.txt", 1)])
    first = database.artifact_files.page(artifact, 4, 0)
    assert first.total == 6
    # Sorted by code point (byte order in UTF-8), the same in every adapter.
    assert [f.path for f in first.files] == ["README.md", "Z.txt", "docs/ünïcode.md", "src/a.py"]
    rest = database.artifact_files.page(artifact, 4, 4)
    assert [f.path for f in rest.files] == ["src/b.py", "src/utils/h.py"]
    assert database.artifact_files.page(artifact, 4, 10).files == []
    assert rest.files[0] == ArtifactFile("src/b.py", 8, "file")


def test_an_unknown_artifact_has_an_empty_index(database: Any) -> None:
    page = database.artifact_files.page(new_id(), 50, 0)
    assert (page.files, page.total) == ([], 0)


def test_get_one_file_by_path(database: Any) -> None:
    artifact = new_id()
    database.artifact_files.add_many(artifact, [ArtifactFile("a/b.txt", 3)])
    assert database.artifact_files.get(artifact, "a/b.txt") == ArtifactFile("a/b.txt", 3)
    assert database.artifact_files.get(artifact, "a") is None
    assert database.artifact_files.get(new_id(), "a/b.txt") is None


def test_twenty_thousand_files_page_by_page(database: Any, request: pytest.FixtureRequest) -> None:
    # mongomock checks unique indexes by scanning, so 20,000 inserts cost it minutes; the
    # real server (CHATCORE_TEST_MONGODB_URL) runs the full count.
    count = 500 if request.node.callspec.params["database"] == "mongomock" else 20_000
    artifact = new_id()
    files = [ArtifactFile(f"dir{n % 7}/file{n:05d}.txt", n) for n in range(count)]
    for start in range(0, len(files), 1000):
        database.artifact_files.add_many(artifact, files[start : start + 1000])
    expected = sorted(f.path for f in files)
    page = database.artifact_files.page(artifact, 100, count - 50)
    assert page.total == count
    assert [f.path for f in page.files] == expected[count - 50 :]
    assert [
        f.path for f in database.artifact_files.page(artifact, 3, count // 2).files
    ] == expected[count // 2 : count // 2 + 3]


def test_remove_all_forgets_one_artifacts_index(database: Any) -> None:
    artifact, other = new_id(), new_id()
    database.artifact_files.add_many(artifact, [ArtifactFile("a", 1), ArtifactFile("b", 2)])
    database.artifact_files.add_many(other, [ArtifactFile("a", 1)])
    database.artifact_files.remove_all(artifact)
    assert database.artifact_files.page(artifact, 50, 0).total == 0
    assert database.artifact_files.page(other, 50, 0).total == 1
