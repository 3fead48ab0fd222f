"""The vendored Swagger UI is npm's swagger-ui-dist, byte for byte, with its licence."""

import hashlib
import json
from typing import Any

from entrypoints.http.api_docs import SWAGGER_FILES, SWAGGER_UI


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SWAGGER_UI / "MANIFEST.json").read_text("utf-8"))
    return loaded


def test_every_vendored_file_has_the_sha256_its_manifest_names() -> None:
    digests: dict[str, str] = manifest()["sha256"]
    for name, digest in digests.items():
        assert hashlib.sha256((SWAGGER_UI / name).read_bytes()).hexdigest() == digest, name


def test_nothing_is_vendored_that_the_manifest_does_not_name() -> None:
    present = {path.name for path in SWAGGER_UI.iterdir()}
    assert present == set(manifest()["sha256"]) | {"MANIFEST.json"}


def test_the_manifest_names_an_upstream_release_and_its_licence() -> None:
    found = manifest()
    assert found["name"] == "swagger-ui-dist"
    version = found["version"]
    assert found["upstream"] == (
        f"https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-{version}.tgz"
    )
    assert found["tarball_integrity"].startswith("sha512-")
    assert found["license"] == "Apache-2.0"
    assert "Apache License" in (SWAGGER_UI / "LICENSE").read_text("utf-8")
    assert set(found["license_files"]) <= set(found["sha256"])


def test_what_docs_serves_is_vendored() -> None:
    assert set(SWAGGER_FILES) <= set(manifest()["sha256"])
    # The bundle's own build info names the release the manifest does.
    bundle = (SWAGGER_UI / "swagger-ui-bundle.js").read_text("utf-8")
    assert f'PACKAGE_VERSION:"{manifest()["version"]}"' in bundle
