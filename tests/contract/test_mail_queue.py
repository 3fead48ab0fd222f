"""The mail outbox, against every database adapter: durable, claimed under leases, fenced."""

import threading
from pathlib import Path
from typing import Any

from chatcore.mail.model import DeliveryState, OutgoingEmail, QueuedEmail
from tests.builders import a_user, at, new_id
from tests.contract.conftest import open_database


def queued(database: Any, due: float = 0, to: str = "jane@example.com") -> QueuedEmail:
    email = QueuedEmail(
        id=new_id(),
        email=OutgoingEmail(to=to, subject="Réinitialiser", body="Bonjour Zoë 👋\nbye\n"),
        queued_at=at(due),
        due_at=at(due),
    )
    database.mail_queue.enqueue(email)
    return email


def test_a_queued_email_is_kept_whole(database: Any) -> None:
    email = queued(database)
    assert database.mail_queue.get(email.id) == email
    assert database.mail_queue.get(new_id()) is None


def test_a_claim_leases_the_email_and_counts_a_try(database: Any) -> None:
    email = queued(database)
    claimed = database.mail_queue.claim_next("a", at(1), at(61))
    assert claimed is not None
    assert (claimed.id, claimed.email, claimed.state, claimed.owner) == (
        email.id, email.email, DeliveryState.SENDING, "a",
    )  # fmt: skip
    assert (claimed.attempts, claimed.due_at) == (1, at(61))
    assert database.mail_queue.get(email.id) == claimed


def test_two_claimers_one_wins(database: Any) -> None:
    queued(database)
    first = database.mail_queue.claim_next("a", at(0), at(60))
    second = database.mail_queue.claim_next("b", at(0), at(60))
    assert first is not None and second is None


def test_racing_claimers_over_one_file_claim_each_email_once(tmp_path: Path) -> None:
    # Separate adapters over one file, as separate server processes share it. (mongomock is
    # not thread-safe, so Mongo's one-step find_one_and_update is checked sequentially.)
    databases = [open_database("sqlite", tmp_path) for _ in range(4)]
    try:
        emails = {queued(databases[0]).id for _ in range(20)}
        won: list[str] = []
        lock = threading.Lock()

        def claim_all(number: int) -> None:
            queue = databases[number].mail_queue
            while (claimed := queue.claim_next(str(number), at(0), at(60))) is not None:
                with lock:
                    won.append(claimed.id)

        threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(won) == sorted(emails)
    finally:
        for database in databases:
            database.close()


def test_the_email_due_first_goes_first_and_later_ones_wait(database: Any) -> None:
    later = queued(database, due=10)
    first, second = queued(database, due=0), queued(database, due=0)
    claimed = [database.mail_queue.claim_next("a", at(5), at(60)) for _ in range(3)]
    assert [c.id for c in claimed[:2]] == [first.id, second.id]
    assert claimed[2] is None
    again = database.mail_queue.claim_next("a", at(10), at(60))
    assert again is not None and again.id == later.id


def test_a_sent_email_is_never_claimed_again(database: Any) -> None:
    email = queued(database)
    database.mail_queue.claim_next("a", at(0), at(60))
    assert database.mail_queue.mark_sent(email.id, "a", at(1))
    sent = database.mail_queue.get(email.id)
    assert (sent.state, sent.finished_at, sent.owner) == (DeliveryState.SENT, at(1), None)
    assert database.mail_queue.claim_next("b", at(10_000), at(10_060)) is None


def test_a_retry_waits_for_its_time_and_counts_on(database: Any) -> None:
    email = queued(database)
    database.mail_queue.claim_next("a", at(0), at(60))
    assert database.mail_queue.retry_later(email.id, "a", at(4), "timed out")
    waiting = database.mail_queue.get(email.id)
    assert (waiting.state, waiting.due_at, waiting.last_error, waiting.owner) == (
        DeliveryState.PENDING, at(4), "timed out", None,
    )  # fmt: skip
    assert database.mail_queue.claim_next("a", at(3), at(63)) is None
    again = database.mail_queue.claim_next("b", at(4), at(64))
    assert again is not None and (again.attempts, again.owner) == (2, "b")


def test_a_given_up_email_is_never_claimed_again(database: Any) -> None:
    email = queued(database)
    database.mail_queue.claim_next("a", at(0), at(60))
    assert database.mail_queue.give_up(email.id, "a", at(2), "refused")
    gone = database.mail_queue.get(email.id)
    assert (gone.state, gone.finished_at, gone.last_error) == (
        DeliveryState.GIVEN_UP, at(2), "refused",
    )  # fmt: skip
    assert database.mail_queue.claim_next("a", at(10_000), at(10_060)) is None


def test_an_expired_lease_is_taken_over_and_fences_the_old_owner(database: Any) -> None:
    email = queued(database)
    database.mail_queue.claim_next("a", at(0), at(60))
    assert database.mail_queue.claim_next("b", at(59), at(119)) is None
    taken = database.mail_queue.claim_next("b", at(60), at(120))
    assert taken is not None and (taken.owner, taken.attempts) == ("b", 2)
    # The first sender's outcome, whatever it is, changes nothing now.
    assert not database.mail_queue.mark_sent(email.id, "a", at(61))
    assert not database.mail_queue.retry_later(email.id, "a", at(62), "late")
    assert not database.mail_queue.give_up(email.id, "a", at(62), "late")
    assert database.mail_queue.get(email.id).owner == "b"
    assert database.mail_queue.mark_sent(email.id, "b", at(63))
    assert not database.mail_queue.mark_sent(email.id, "b", at(64))


def test_the_queue_outlives_the_process(tmp_path: Path) -> None:
    first = open_database("sqlite", tmp_path)
    email = queued(first)
    first.close()
    second = open_database("sqlite", tmp_path)
    try:
        claimed = second.mail_queue.claim_next("after-restart", at(0), at(60))
        assert claimed is not None and claimed.id == email.id
    finally:
        second.close()


def test_a_unit_of_work_keeps_the_change_and_its_email_together(database: Any) -> None:
    user = a_user()
    with database.unit_of_work.atomic():
        database.users.add(user)
        with database.unit_of_work.atomic():  # nested: joins the outer one
            email = queued(database, to=user.email)
    assert database.users.get(user.id) is not None
    assert database.mail_queue.get(email.id) is not None


def test_the_depth_counts_what_is_still_to_deliver(database: Any) -> None:
    queue = database.mail_queue
    assert queue.depth() == 0
    sent, given_up, waiting = queued(database), queued(database), queued(database, due=100)
    assert queue.depth() == 3
    claimed = queue.claim_next("a", at(0), at(60))
    assert claimed is not None and queue.depth() == 3  # being sent still counts
    assert queue.mark_sent(claimed.id, "a", at(1))
    other = queue.claim_next("a", at(2), at(62))
    assert other is not None and queue.give_up(other.id, "a", at(3), "refused")
    assert {claimed.id, other.id} == {sent.id, given_up.id}
    assert queue.depth() == 1 and queue.get(waiting.id) is not None
