"""/chat/sessions/{id}/artifacts: what a user attaches to a session, and reading it back."""

from typing import Any, Literal

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse

from chatcore.artifacts.formats.file_types import KINDS
from chatcore.artifacts.library import (
    ARTIFACTS_PAGE_MAX,
    FILES_PAGE_MAX,
    TEXT_CONTENT_TYPE,
    TEXT_SLICE_DEFAULT,
    TEXT_SLICE_MAX,
)
from chatcore.artifacts.model import ArtifactType
from entrypoints.http.converter import OutResponse
from entrypoints.http.downloads import ATTACHMENT_SCHEMA, attachment_headers
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.paging import CURSOR, LINK, paged
from entrypoints.http.security import core_of, current_user
from entrypoints.http.uploads import UploadForm, received_upload
from entrypoints.http.validation import IntQuery, json_body
from entrypoints.http.views import (
    ArtifactOut,
    Done,
    FileContentOut,
    FileListOut,
    TextOut,
)
from entrypoints.job_worker import JobWorker

OFFSET_MAX = 1_000_000_000
ARTIFACTS_LIMIT = IntQuery("limit", 100, 1, ARTIFACTS_PAGE_MAX, "how many artifacts at most")
FILES_LIMIT = IntQuery("limit", 50, 1, FILES_PAGE_MAX, "how many files at most")
TEXT_OFFSET = IntQuery("offset", 0, 0, OFFSET_MAX, "the first character to return")
TEXT_LIMIT = IntQuery("limit", TEXT_SLICE_DEFAULT, 1, TEXT_SLICE_MAX, "how many characters at most")
FILES_OFFSET = IntQuery("offset", 0, 0, OFFSET_MAX, "how many files to skip")
# What a download can be: an upload of a supported kind, or a text artifact's content.
DOWNLOAD_MEDIA = tuple(sorted({kind.content_type for kind in KINDS.values()} | {TEXT_CONTENT_TYPE}))


@attrs.frozen
class ArtifactBody:
    type: ArtifactType
    name: str | None = None
    source: str | None = None
    content: str | None = None


@attrs.frozen
class ArtifactUpdate:
    name: str | None = None


async def create_artifact(request: Request) -> OutResponse:
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
    return OutResponse(ArtifactOut.of(artifact), 201)


def wake_ingestion(request: Request) -> None:
    """Have this process's ingestion threads look for the new repository at once."""
    _wake(request, "ingestion")


def _wake(request: Request, workers: Literal["ingestion", "texts"]) -> None:
    worker: JobWorker[Any] | None = getattr(request.app.state, workers, None)
    if worker is not None:
        worker.wake()


async def upload_artifact(request: Request) -> OutResponse:
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
    if artifact.text is not None:
        # Its text is pending: this process's extraction threads look for it at once.
        _wake(request, "texts")
    return OutResponse(ArtifactOut.of(artifact), 201)


async def list_artifacts(request: Request) -> OutResponse:
    actor = await current_user(request)
    page = await run(
        request,
        core_of(request).artifacts.page_in_session,
        actor,
        request.path_params["session_id"],
        ARTIFACTS_LIMIT.read(request),
        CURSOR.read(request),
    )
    artifacts = [ArtifactOut.of(artifact) for artifact in page.items]
    return paged(request, artifacts, ArtifactOut, page.next_cursor)


async def get_artifact(request: Request) -> OutResponse:
    actor = await current_user(request)
    artifact = await run(request, core_of(request).artifacts.get, actor, *_ids(request))
    return OutResponse(ArtifactOut.of(artifact))


async def list_files(request: Request) -> OutResponse:
    actor = await current_user(request)
    limit = FILES_LIMIT.read(request)
    offset = FILES_OFFSET.read(request)
    page = await run(
        request, core_of(request).artifacts.files, actor, *_ids(request), limit, offset
    )
    return OutResponse(FileListOut.of(page, limit, offset))


async def file_content(request: Request) -> OutResponse:
    actor = await current_user(request)
    content = await run(
        request,
        core_of(request).artifacts.file_content,
        actor,
        *_ids(request),
        request.path_params["file_path"],
    )
    return OutResponse(FileContentOut.of(content))


async def artifact_text(request: Request) -> OutResponse:
    actor = await current_user(request)
    offset, limit = TEXT_OFFSET.read(request), TEXT_LIMIT.read(request)
    part = await run(request, core_of(request).artifacts.text, actor, *_ids(request), offset, limit)
    return OutResponse(TextOut.of(part))


async def download_artifact(request: Request) -> StreamingResponse:
    actor = await current_user(request)
    download = await run(request, core_of(request).artifacts.download, actor, *_ids(request))
    headers = attachment_headers(download.filename)
    if download.size is not None:
        headers["Content-Length"] = str(download.size)
    # A repository's ZIP is made as it is sent (chunked): its size is known only at the end.
    return StreamingResponse(download.chunks, media_type=download.content_type, headers=headers)


async def update_artifact(request: Request) -> OutResponse:
    actor = await current_user(request)
    body = await json_body(request, ArtifactUpdate)
    artifact = await run(
        request, core_of(request).artifacts.rename, actor, *_ids(request), body.name
    )
    return OutResponse(ArtifactOut.of(artifact))


async def delete_artifact(request: Request) -> OutResponse:
    actor = await current_user(request)
    await run(request, core_of(request).artifacts.delete, actor, *_ids(request))
    return OutResponse(Done("Artifact deleted successfully"))


def _ids(request: Request) -> tuple[str, str]:
    return request.path_params["session_id"], request.path_params["artifact_id"]


_ARTIFACT = "/chat/sessions/{session_id}/artifacts/{artifact_id}"

_SESSION = "/chat/sessions/{session_id}"

routes = [
    ApiRoute("POST", f"{_SESSION}/artifacts", create_artifact, Operation(
        "Create an artifact from JSON: a text, or a repository to fetch", ArtifactOut,
        status=201, body=ArtifactBody, errors=(400, 404, 429),
        description=(
            "`text`: `content` is kept inline. `repository`: `source` is the repository's "
            "URL (allowed hosts only); its files are fetched later (`metadata.status`). "
            "A user has at most 5 repositories pending at once: another answers `429` "
            "with `Retry-After` and stores nothing. "
            "Files (`pdf`, `doc`, `zip`) come through `…/artifacts/upload`."
        ),
    )),
    ApiRoute("POST", f"{_SESSION}/artifacts/upload", upload_artifact, Operation(
        "Upload a file as an artifact", ArtifactOut, status=201,
        body=UploadForm, body_media=("multipart/form-data",), errors=(400, 404, 500),
        description=(
            "Supported: `.pdf`, `.doc`/`.docx`, `.zip` (indexed), `.txt` (UTF-8); the "
            "content must match the extension (400 otherwise). 413 past the size limit."
        ),
    )),
    ApiRoute("GET", f"{_SESSION}/artifacts", list_artifacts, Operation(
        "The session's artifacts, oldest first", list[ArtifactOut],
        query=[ARTIFACTS_LIMIT, CURSOR], optional_headers={"Link": LINK}, errors=(400, 404),
        description="Ordered by creation time (to the millisecond), the id breaking ties;"
        " each next page (`cursor`) holds newer artifacts.",
    )),
    ApiRoute("GET", _ARTIFACT, get_artifact, Operation(
        "An artifact", ArtifactOut, errors=(400, 404),
    )),
    ApiRoute("PUT", _ARTIFACT, update_artifact, Operation(
        "Rename an artifact", ArtifactOut, body=ArtifactUpdate, errors=(400, 404),
        description="`name` is the only field; without it the answer is 400.",
    )),
    ApiRoute("DELETE", _ARTIFACT, delete_artifact, Operation(
        "Delete an artifact (soft)", Done, errors=(400, 404),
    )),
    ApiRoute("GET", f"{_ARTIFACT}/files", list_files, Operation(
        "A page of the artifact's files (archives, repositories), sorted by path",
        FileListOut, query=[FILES_LIMIT, FILES_OFFSET], errors=(400, 404),
    )),
    ApiRoute("GET", f"{_ARTIFACT}/files/{{file_path:path}}", file_content, Operation(
        "One file's content", FileContentOut, errors=(400, 404, 413, 500),
        description="413 for a file over the content limit: download the artifact instead.",
    )),
    ApiRoute("GET", f"{_ARTIFACT}/text", artifact_text, Operation(
        "A slice of the artifact's text (pdf, doc, text), by characters", TextOut,
        query=[TEXT_OFFSET, TEXT_LIMIT], errors=(400, 404, 500),
        description=(
            "Uploads get their text in the background: while `metadata.text_status` is "
            "`pending`, `failed` or `unsupported`, `text` is empty and `status` says so "
            "(`metadata.text_error` says why). PDF pages are apart by a form feed, "
            "paragraphs by a blank line. A `zip` or `repository` artifact answers 404: its "
            "text is per file, under `…/files`."
        ),
    )),
    ApiRoute("GET", f"{_ARTIFACT}/download", download_artifact, Operation(
        "Download the artifact's bytes, as an attachment", bytes,
        response_media=DOWNLOAD_MEDIA,
        response_headers={"Content-Disposition": ATTACHMENT_SCHEMA},
        errors=(400, 404, 500),
        description="500 when the file is missing from storage.",
    )),
]  # fmt: skip
