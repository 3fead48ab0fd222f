"""Ingesting repositories: the use case over in-memory adapters, and the rules of claims."""

import io
import zipfile
from collections.abc import Callable

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from adapters.memory import ManualClock, MemoryObjectStore, MemoryRepositoryFetcher
from adapters.memory.artifacts import MemoryArtifactRepository
from chatcore.accounts.model import User
from chatcore.artifacts.model import Artifact, ArtifactStatus, ArtifactType, Ingestion, file_key
from chatcore.core import ChatCore
from chatcore.repositories.ingestion import MAX_ATTEMPTS
from tests.builders import an_artifact, at, new_id

URL = "https://github.com/user/project"
PROJECT = {
    "README.md": "# Café ☕\n".encode(),
    "src/app/main.py": b"print('hi')\n",
    "assets/logo.png": bytes(range(256)),
}


def created(core: ChatCore, user: User, source: str = URL) -> Artifact:
    session = core.sessions.create(user)
    return core.artifacts.create(user, session.id, ArtifactType.REPOSITORY, source=source)


def ingest_next(core: ChatCore, owner: str = "w") -> Artifact | None:
    claim = core.ingestion.claim_next(owner)
    assert claim is not None
    return core.ingestion.ingest(claim, lambda: True)


def test_a_claimed_repository_becomes_ready_with_its_files(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    fetcher.publish(URL, PROJECT)
    user = make_user()
    artifact = created(core, user)
    done = ingest_next(core)
    assert done is not None and done.ingestion.status is ArtifactStatus.READY
    assert done.ingestion.files_count == 3 and len(done.ingestion.commit or "") == 40
    page = core.artifacts.files(user, artifact.session_id, artifact.id)
    assert [(f.path, f.size) for f in page.files] == sorted(
        (path, len(data)) for path, data in PROJECT.items()
    )
    readme = core.artifacts.file_content(user, artifact.session_id, artifact.id, "README.md")
    assert (readme.content, readme.encoding) == ("# Café ☕\n", "utf-8")
    logo = core.artifacts.file_content(user, artifact.session_id, artifact.id, "assets/logo.png")
    assert logo.encoding == "base64"
    download = core.artifacts.download(user, artifact.session_id, artifact.id)
    assert (download.filename, download.content_type, download.size) == (
        "project.zip", "application/zip", None,
    )  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(b"".join(download.chunks))) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == PROJECT
    assert core.ingestion.claim_next("w") is None


def test_a_failure_is_readable_and_keeps_nothing(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    user = make_user()
    artifact = created(core, user, "https://github.com/user/missing")
    done = ingest_next(core)
    assert done is not None and done.ingestion.status is ArtifactStatus.FAILED
    assert "no repository there" in (done.ingestion.error or "")
    assert core.artifacts.files(user, artifact.session_id, artifact.id).total == 0


def test_an_over_limit_repository_fails_after_storing_nothing(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    fetcher.publish(URL, {f"f{i}": b"x" for i in range(5)})
    core.ingestion.limits = attrs.evolve(core.ingestion.limits, max_files=4)
    created(core, make_user())
    done = ingest_next(core)
    assert done is not None and "4-file limit" in (done.ingestion.error or "")
    objects = core.ports.objects
    assert isinstance(objects, MemoryObjectStore) and objects.open(file_key(done.id, "f0")) is None


def test_a_lost_claim_stops_and_leaves_the_work_to_its_new_holder(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    fetcher.publish(URL, PROJECT)
    created(core, make_user())
    claim = core.ingestion.claim_next("slow")
    assert claim is not None
    assert core.ingestion.ingest(claim, lambda: False) is None
    clock = core.ports.clock
    assert isinstance(clock, ManualClock)
    clock.advance(core.ingestion.lease)
    done = ingest_next(core, "fresh")
    assert done is not None and done.ingestion.status is ArtifactStatus.READY


def test_a_job_that_keeps_dying_is_given_up(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    fetcher.publish(URL, PROJECT)
    created(core, make_user())
    clock = core.ports.clock
    assert isinstance(clock, ManualClock)
    for _ in range(MAX_ATTEMPTS):
        assert core.ingestion.claim_next("doomed") is not None  # and the worker dies
        clock.advance(core.ingestion.lease)
    done = ingest_next(core)
    assert done is not None and done.ingestion.status is ArtifactStatus.FAILED
    assert "interrupted 3 times" in (done.ingestion.error or "")
    assert fetcher.fetches == []


class Claims(RuleBasedStateMachine):
    """Whatever workers do and however time passes, a job has at most one live holder, a
    finished job stays finished, and a job is never lost: it is pending, held or done."""

    def __init__(self) -> None:
        super().__init__()
        self.repository = MemoryArtifactRepository()
        self.now = 0.0
        self.lease = 30.0
        self.holders: dict[str, tuple[str, float]] = {}  # job -> (owner, expiry), as modelled
        self.done: set[str] = set()
        self.jobs: list[str] = []

    @rule()
    def create(self) -> None:
        artifact = an_artifact(
            new_id(), new_id(), type=ArtifactType.REPOSITORY, content=None,
            ingestion=Ingestion(ArtifactStatus.PENDING),
        )  # fmt: skip
        self.repository.add(artifact)
        self.jobs.append(artifact.id)

    @rule(seconds=st.floats(0, 40))
    def wait(self, seconds: float) -> None:
        self.now += seconds

    def expired(self, job: str) -> bool:
        return job not in self.holders or self.holders[job][1] <= self.now

    @rule(owner=st.sampled_from("abc"))
    def claim(self, owner: str) -> None:
        claim = self.repository.claim_next(owner, at(self.now), at(self.now + self.lease))
        free = [job for job in self.jobs if job not in self.done and self.expired(job)]
        if claim is None:
            assert free == []
            return
        assert claim.artifact.id == min(free)
        self.holders[claim.artifact.id] = (owner, self.now + self.lease)

    @precondition(lambda self: self.jobs)
    @rule(data=st.data(), owner=st.sampled_from("abc"), finish=st.booleans())
    def act(self, data: st.DataObject, owner: str, finish: bool) -> None:
        job = data.draw(st.sampled_from(self.jobs))
        holds = job in self.holders and self.holders[job][0] == owner and job not in self.done
        if finish:
            ready = Ingestion(ArtifactStatus.READY, files_count=0)
            result = self.repository.finish_claim(job, owner, ready, at(self.now))
            assert (result is not None) == holds
            if holds:
                self.done.add(job)
        else:
            until = self.now + self.lease
            assert self.repository.renew_claim(job, owner, at(until)) == holds
            if holds:
                self.holders[job] = (owner, until)

    @invariant()
    def statuses_match_the_model(self) -> None:
        for job in self.jobs:
            status = self.repository.get(job).ingestion.status  # type: ignore[union-attr]
            expected = (
                ArtifactStatus.READY if job in self.done
                else ArtifactStatus.INGESTING if job in self.holders
                else ArtifactStatus.PENDING
            )  # fmt: skip
            assert status is expected


test_claims = Claims.TestCase
