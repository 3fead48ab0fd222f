"""ChatCore: every use case of the domain, wired to one set of ports."""

from datetime import timedelta

import attrs

from chatcore.accounts.accounts import Accounts
from chatcore.accounts.auth import Auth
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.throttle import LoginThrottle
from chatcore.accounts.tokens import TokenLifetimes
from chatcore.artifacts.library import ArtifactLibrary, ArtifactLimits
from chatcore.chats.sessions import ChatSessions
from chatcore.ports import Ports
from chatcore.repositories.ingestion import RepositoryIngestion
from chatcore.repositories.limits import RepositoryLimits
from chatcore.rooms.chat_rooms import ChatRooms
from chatcore.search.search import Search
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
    purge: Purge
    search: Search

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
        purge_after: timedelta = DEFAULT_AFTER,
    ) -> "ChatCore":
        """Wire every use case to `ports`; without `login_throttle`, failed logins are free."""
        # The emails promise what the tokens do: one set of lifetimes for both.
        emails = attrs.evolve(emails, lifetimes=lifetimes)
        auth = Auth(ports, lifetimes, emails, login_throttle)
        return cls(
            ports=ports,
            auth=auth,
            accounts=Accounts(ports, auth),
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
        )
