"""ChatCore: every use case of the domain, wired to one set of ports."""

from datetime import timedelta

import attrs

from chatcore.accounts.accounts import Accounts
from chatcore.accounts.auth import Auth
from chatcore.accounts.credentials import Credentials
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.password_reset import PasswordReset
from chatcore.accounts.registration import Registration
from chatcore.accounts.security_events import SecurityEvents
from chatcore.accounts.sign_in import CurrentPassword, SignIn
from chatcore.accounts.throttle import LoginThrottle
from chatcore.accounts.tokens import TokenLifetimes
from chatcore.accounts.verification import EmailVerification
from chatcore.artifacts.library import ArtifactLibrary, ArtifactLimits
from chatcore.artifacts.text_extraction import TextExtraction
from chatcore.artifacts.texts import TextLimits
from chatcore.chats.sessions import ChatSessions
from chatcore.ports import Ports
from chatcore.repositories.ingestion import RepositoryIngestion
from chatcore.repositories.limits import RepositoryLimits
from chatcore.rooms.chat_rooms import ChatRooms
from chatcore.search.search import Search
from chatcore.shared.audit_trail import AuditTrail
from chatcore.upkeep.purge import DEFAULT_AFTER, Purge


@attrs.define
class ChatCore:
    ports: Ports
    auth: Auth
    accounts: Accounts
    sessions: ChatSessions
    rooms: ChatRooms
    artifacts: ArtifactLibrary
    ingestion: RepositoryIngestion
    texts: TextExtraction
    purge: Purge
    search: Search
    audit_trail: AuditTrail

    @classmethod
    def from_ports(
        cls,
        ports: Ports,
        *,
        lifetimes: TokenLifetimes = TokenLifetimes(),
        emails: AccountEmails = AccountEmails(),
        login_throttle: LoginThrottle | None = None,
        artifact_limits: ArtifactLimits = ArtifactLimits(),
        repository_limits: RepositoryLimits = RepositoryLimits(),
        ingestion_lease: timedelta = timedelta(seconds=30),
        text_limits: TextLimits = TextLimits(),
        text_lease: timedelta = timedelta(seconds=30),
        purge_after: timedelta = DEFAULT_AFTER,
    ) -> "ChatCore":
        """Wire every use case to `ports`; without `login_throttle`, failed logins are free."""
        auth, accounts = _account_use_cases(ports, lifetimes, emails, login_throttle)
        return cls(
            ports=ports,
            auth=auth,
            accounts=accounts,
            sessions=ChatSessions(
                clock=ports.clock,
                ids=ports.ids,
                sessions=ports.sessions,
                message_repository=ports.messages,
                search=ports.search,
                session_dependents=ports.session_dependents,
                unit_of_work=ports.unit_of_work,
            ),
            rooms=ChatRooms(
                clock=ports.clock,
                ids=ports.ids,
                users=ports.users,
                room_messages=ports.room_messages,
            ),
            artifacts=ArtifactLibrary(
                clock=ports.clock,
                ids=ports.ids,
                sessions=ports.sessions,
                artifacts=ports.artifacts,
                artifact_files=ports.artifact_files,
                objects=ports.objects,
                search=ports.search,
                limits=artifact_limits,
                unit_of_work=ports.unit_of_work,
            ),
            ingestion=RepositoryIngestion(
                clock=ports.clock,
                artifacts=ports.artifacts,
                artifact_files=ports.artifact_files,
                objects=ports.objects,
                repository_fetcher=ports.repository_fetcher,
                search=ports.search,
                policy=artifact_limits.repository_policy,
                limits=repository_limits,
                lease=ingestion_lease,
            ),
            purge=Purge(
                users=ports.users,
                one_time_tokens=ports.one_time_tokens,
                sessions=ports.sessions,
                messages=ports.messages,
                room_messages=ports.room_messages,
                artifacts=ports.artifacts,
                artifact_files=ports.artifact_files,
                objects=ports.objects,
                search=ports.search,
                audit=ports.audit,
                clock=ports.clock,
                ids=ports.ids,
                after=purge_after,
            ),
            search=Search(ports.search),
            texts=TextExtraction(
                jobs=ports.text_jobs,
                objects=ports.objects,
                extractor=ports.text_extractor,
                clock=ports.clock,
                search=ports.search,
                limits=text_limits,
                lease=text_lease,
            ),
            audit_trail=AuditTrail(ports.audit),
        )


def _account_use_cases(
    ports: Ports, lifetimes: TokenLifetimes, emails: AccountEmails, throttle: LoginThrottle | None
) -> tuple[Auth, Accounts]:
    """The accounts context's use cases, each handed the ports it uses."""
    # The emails promise what the tokens do: one set of lifetimes for both.
    emails = attrs.evolve(emails, lifetimes=lifetimes)
    events = SecurityEvents(audit=ports.audit, ids=ports.ids, clock=ports.clock)
    credentials = Credentials(
        users=ports.users,
        tokens=ports.tokens,
        one_time_tokens=ports.one_time_tokens,
        ids=ports.ids,
        clock=ports.clock,
        sign_outs=ports.sign_outs,
        lifetimes=lifetimes,
    )
    verification = EmailVerification(
        users=ports.users,
        one_time_tokens=ports.one_time_tokens,
        mailer=ports.mailer,
        clock=ports.clock,
        unit_of_work=ports.unit_of_work,
        credentials=credentials,
        events=events,
        emails=emails,
    )
    auth = Auth(
        signing_in=SignIn(
            users=ports.users,
            one_time_tokens=ports.one_time_tokens,
            hasher=ports.hasher,
            clock=ports.clock,
            ids=ports.ids,
            unit_of_work=ports.unit_of_work,
            credentials=credentials,
            events=events,
            verification=verification,
            throttle=throttle,
        ),
        registration=Registration(
            users=ports.users,
            hasher=ports.hasher,
            ids=ports.ids,
            clock=ports.clock,
            unit_of_work=ports.unit_of_work,
            verification=verification,
        ),
        verification=verification,
        password_reset=PasswordReset(
            users=ports.users,
            one_time_tokens=ports.one_time_tokens,
            hasher=ports.hasher,
            mailer=ports.mailer,
            clock=ports.clock,
            unit_of_work=ports.unit_of_work,
            credentials=credentials,
            events=events,
            emails=emails,
        ),
    )
    accounts = Accounts(
        users=ports.users,
        hasher=ports.hasher,
        mailer=ports.mailer,
        clock=ports.clock,
        sessions=ports.sessions,
        session_dependents=ports.session_dependents,
        unit_of_work=ports.unit_of_work,
        credentials=credentials,
        current_password=CurrentPassword(hasher=ports.hasher, events=events, throttle=throttle),
        verification=verification,
        events=events,
        emails=emails,
    )
    return auth, accounts
