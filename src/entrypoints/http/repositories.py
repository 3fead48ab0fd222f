"""/chat/sessions/{id}/context/repository: the legacy way to attach a repository.

The same as creating an artifact of type `repository`, with the URL under any of the
names older clients send (`url`, `source`, `repo_url`) and the name taken from the URL
when absent.
"""

import attrs
from starlette.requests import Request

from chatcore.artifacts.model import ArtifactType
from chatcore.shared.errors import InvalidInput
from entrypoints.http.artifacts import wake_ingestion
from entrypoints.http.converter import OutResponse
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.security import core_of, current_user
from entrypoints.http.validation import json_body
from entrypoints.http.views import ArtifactOut


@attrs.frozen
class RepositoryContextBody:
    url: str | None = None
    source: str | None = None
    repo_url: str | None = None
    name: str | None = None

    def repository_url(self) -> str:
        """The one URL the body names, under whichever key; InvalidInput if none or two."""
        given = {url for url in (self.url, self.source, self.repo_url) if url is not None}
        if not given:
            raise InvalidInput("A repository URL is needed (as url, source or repo_url)")
        if len(given) > 1:
            raise InvalidInput("url, source and repo_url name different repositories")
        return given.pop()


async def add_repository_context(request: Request) -> OutResponse:
    actor = await current_user(request)
    body = await json_body(request, RepositoryContextBody)
    artifact = await run(
        request,
        core_of(request).artifacts.create,
        actor,
        request.path_params["session_id"],
        ArtifactType.REPOSITORY,
        body.name,
        body.repository_url(),
    )
    wake_ingestion(request)
    return OutResponse(ArtifactOut.of(artifact), 201)


routes = [
    ApiRoute("POST", "/chat/sessions/{session_id}/context/repository", add_repository_context,
             Operation(
        "Attach a repository (legacy form of creating a repository artifact)", ArtifactOut,
        status=201, body=RepositoryContextBody, errors=(400, 404, 429), tag="artifacts",
        description=(
            "The repository URL comes as `url`, `source` or `repo_url`; `name` defaults to"
            " the repository's name. The artifact answers at once with `metadata.status:"
            ' "pending"` and is ingested in the background: poll it until `"ready"` (with'
            ' `files_count` and `commit`) or `"failed"` (with `error`). A user has at most 5'
            " repositories pending at once: another answers `429` with `Retry-After` and"
            " stores nothing."
        ),
    )),
]  # fmt: skip
