"""/chat/sessions/{id}/artifacts: what a user attaches to a session, and reading it back."""

from urllib.parse import quote

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from chatcore.artifact_library import FILES_PAGE_MAX
from chatcore.artifacts import ArtifactType
from entrypoints.http.offload import run
from entrypoints.http.security import core_of, current_user
from entrypoints.http.uploads import received_upload
from entrypoints.http.validation import json_body, query_int
from entrypoints.http.views import artifact_file_view, artifact_view
from entrypoints.ingestion_worker import IngestionWorker

OFFSET_MAX = 1_000_000_000


@attrs.frozen
class ArtifactBody:
    type: ArtifactType
    name: str | None = None
    source: str | None = None
    content: str | None = None


@attrs.frozen
class ArtifactUpdate:
    name: str | None = None


async def create_artifact(request: Request) -> JSONResponse:
    actor = await current_user(request)
    body = await json_body(request, ArtifactBody)
    artifact = await run(
        request,
        core_of(request).artifacts.create,
        actor,
        request.path_params["session_id"],
        body.type,
        body.name,
        body.source,
        body.content,
    )
    if artifact.type is ArtifactType.REPOSITORY:
        wake_ingestion(request)
    return JSONResponse(artifact_view(artifact), status_code=201)


def wake_ingestion(request: Request) -> None:
    """Have this process's ingestion threads look for the new repository at once."""
    worker: IngestionWorker | None = getattr(request.app.state, "ingestion", None)
    if worker is not None:
        worker.wake()


async def upload_artifact(request: Request) -> JSONResponse:
    actor = await current_user(request)
    core = core_of(request)
    session_id = request.path_params["session_id"]
    # Answer for a missing session before reading a byte of the body.
    await run(request, core.sessions.get, actor, session_id)
    async with received_upload(request, core.artifacts.limits.max_upload_bytes) as upload:
        # Always on a worker thread: copying megabytes to storage would stall the loop.
        artifact = await run_in_threadpool(
            core.artifacts.upload, actor, session_id, upload.filename, upload.file, upload.name
        )
    return JSONResponse(artifact_view(artifact), status_code=201)


async def list_artifacts(request: Request) -> JSONResponse:
    actor = await current_user(request)
    artifacts = await run(
        request, core_of(request).artifacts.in_session, actor, request.path_params["session_id"]
    )
    return JSONResponse([artifact_view(artifact) for artifact in artifacts])


async def get_artifact(request: Request) -> JSONResponse:
    actor = await current_user(request)
    artifact = await run(request, core_of(request).artifacts.get, actor, *_ids(request))
    return JSONResponse(artifact_view(artifact))


async def list_files(request: Request) -> JSONResponse:
    actor = await current_user(request)
    limit = query_int(request, "limit", 50, 1, FILES_PAGE_MAX)
    offset = query_int(request, "offset", 0, 0, OFFSET_MAX)
    page = await run(
        request, core_of(request).artifacts.files, actor, *_ids(request), limit, offset
    )
    return JSONResponse(
        {
            "files": [artifact_file_view(file) for file in page.files],
            "total": page.total,
            "limit": limit,
            "offset": offset,
        }
    )


async def file_content(request: Request) -> JSONResponse:
    actor = await current_user(request)
    content = await run(
        request,
        core_of(request).artifacts.file_content,
        actor,
        *_ids(request),
        request.path_params["file_path"],
    )
    return JSONResponse(
        {
            "content": content.content,
            "path": content.path,
            "size": content.size,
            "encoding": content.encoding,
        }
    )


async def download_artifact(request: Request) -> StreamingResponse:
    actor = await current_user(request)
    download = await run(request, core_of(request).artifacts.download, actor, *_ids(request))
    headers = {
        "Content-Disposition": attachment(download.filename),
        # Browsers must not guess a type: an uploaded "PDF" could be HTML in disguise.
        "X-Content-Type-Options": "nosniff",
    }
    if download.size is not None:
        headers["Content-Length"] = str(download.size)
    # A repository's ZIP is made as it is sent (chunked): its size is known only at the end.
    return StreamingResponse(download.chunks, media_type=download.content_type, headers=headers)


async def update_artifact(request: Request) -> JSONResponse:
    actor = await current_user(request)
    body = await json_body(request, ArtifactUpdate)
    artifact = await run(
        request, core_of(request).artifacts.rename, actor, *_ids(request), body.name
    )
    return JSONResponse(artifact_view(artifact))


async def delete_artifact(request: Request) -> JSONResponse:
    actor = await current_user(request)
    await run(request, core_of(request).artifacts.delete, actor, *_ids(request))
    return JSONResponse({"message": "Artifact deleted successfully"})


def attachment(filename: str) -> str:
    """A Content-Disposition that no filename can break, with RFC 6266's UTF-8 form."""
    name = "".join("_" if ord(c) < 32 or c in '/\\"' or c == "\x7f" else c for c in filename)
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in ";%" else "_" for c in name)
    header = f'attachment; filename="{fallback or "download"}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def _ids(request: Request) -> tuple[str, str]:
    return request.path_params["session_id"], request.path_params["artifact_id"]


_ARTIFACT = "/chat/sessions/{session_id}/artifacts/{artifact_id}"

routes = [
    Route("/chat/sessions/{session_id}/artifacts", create_artifact, methods=["POST"]),
    Route("/chat/sessions/{session_id}/artifacts/upload", upload_artifact, methods=["POST"]),
    Route("/chat/sessions/{session_id}/artifacts", list_artifacts, methods=["GET"]),
    Route(_ARTIFACT, get_artifact, methods=["GET"]),
    Route(_ARTIFACT, update_artifact, methods=["PUT"]),
    Route(_ARTIFACT, delete_artifact, methods=["DELETE"]),
    Route(f"{_ARTIFACT}/files", list_files, methods=["GET"]),
    Route(f"{_ARTIFACT}/files/{{file_path:path}}", file_content, methods=["GET"]),
    Route(f"{_ARTIFACT}/download", download_artifact, methods=["GET"]),
]
