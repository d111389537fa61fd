"""Request dependencies, injected through Annotated aliases.

`get_db` owns the transaction: it commits when the route returns, rolls back when it raises, and
only then hands queued e-mail to the mailer. Services flush but never commit. On failure the loaded
objects are detached first, so the error page can still show who is signed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import sessions as sessions_service
from app.accounts.models import AuthSession, Member
from app.config import Settings, get_settings
from app.context import RequestContext
from app.db import begin_for_writing, run_after_commit, settle
from app.mail import service as mail_service
from app.mfa import personal_tokens
from app.notifications import service as notifications_service
from app.policy import (
    check_can_administer,
    check_can_read_audit,
    check_can_vet,
    check_staff_second_factor,
    check_token_allows,
)
from app.security import csrf
from app.sitewide import service as sitewide_service


class SignInRequired(Exception):
    """Pages answer with a redirect to the sign-in form, the API with 401."""


class NotVetted(Exception):
    """Signed in, but not (or no longer) allowed past the application status page."""


class CsrfFailed(Exception):
    pass


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        if request.method not in csrf.SAFE_METHODS:
            await begin_for_writing(session)
        try:
            yield session
        except BaseException:
            mail_service.discard_outbox(session)
            session.expunge_all()
            await session.rollback()
            await settle(session, committed=False)
            raise
        else:
            try:
                await session.commit()
            except BaseException:
                await settle(session, committed=False)
                raise
            await settle(session, committed=True)
            await run_after_commit(session, request.app.state.sessionmaker)
            await request.app.state.postman.dispatch(mail_service.take_outbox(session))


DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def get_context(request: Request) -> RequestContext:
    return RequestContext(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        settings=get_settings(),
        limiter=request.app.state.limiter,
    )


Ctx = Annotated[RequestContext, Depends(get_context)]


async def verify_csrf(request: Request) -> None:
    """Router-level guard for every state-changing browser request (forms and HTMX)."""
    if request.method in csrf.SAFE_METHODS:
        return
    submitted = request.headers.get(csrf.HEADER)
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(csrf.FORM_FIELD)
            submitted = value if isinstance(value, str) else None
    if not csrf.is_valid(get_settings().secret_key, getattr(request.state, "csrf_cookie", None), submitted):
        raise CsrfFailed


# --- browser sessions ------------------------------------------------------------------------


UNREAD_ALONG_SESSION = notifications_service.has_unread(AuthSession.member_id)


async def get_optional_member(request: Request, db: DbSession) -> Member | None:
    settings = get_settings()
    session, any_unread = await sessions_service.resolve_session(
        db,
        request.cookies.get(settings.session_cookie_name),
        settings,
        along=UNREAD_ALONG_SESSION,
    )
    request.state.auth_session = session
    request.state.member = session.member if session else None
    if request.state.member is not None and request.state.member.is_active:
        request.state.unread_notifications = await notifications_service.unread_count(
            db, request.state.member, any_unread=bool(any_unread)
        )
    return request.state.member


OptionalMember = Annotated[Member | None, Depends(get_optional_member)]


async def get_signed_in_member(member: OptionalMember) -> Member:
    if member is None:
        raise SignInRequired
    return member


SignedInMember = Annotated[Member, Depends(get_signed_in_member)]


def get_auth_session(request: Request, _member: SignedInMember) -> AuthSession:
    session: AuthSession = request.state.auth_session
    return session


CurrentAuthSession = Annotated[AuthSession, Depends(get_auth_session)]


async def get_current_member(member: SignedInMember, db: DbSession) -> Member:
    if not member.is_active:
        raise NotVetted
    await sitewide_service.enforce_second_factor(db, member)
    return member


CurrentMember = Annotated[Member, Depends(get_current_member)]


async def require_moderator(member: CurrentMember) -> Member:
    check_can_vet(member)
    check_staff_second_factor(member)
    return member


async def require_audit_reader(member: CurrentMember) -> Member:
    check_can_read_audit(member)
    check_staff_second_factor(member)
    return member


async def require_admin(member: CurrentMember) -> Member:
    check_can_administer(member)
    check_staff_second_factor(member)
    return member


RequireModerator = Annotated[Member, Depends(require_moderator)]
RequireAuditReader = Annotated[Member, Depends(require_audit_reader)]
RequireAdmin = Annotated[Member, Depends(require_admin)]


# --- API bearer tokens -----------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


async def get_api_member(
    request: Request,
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Member:
    """A short-lived token from /auth/token, or a personal token from the account settings, whose
    scope decides whether it may change anything."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise SignInRequired
    if personal_tokens.is_personal(credentials.credentials):
        found = await personal_tokens.resolve(db, credentials.credentials)
        if found is None:
            raise SignInRequired
        member, token = found
        check_token_allows(token.scope, request.method)
        return member
    member = await sessions_service.member_from_api_token(db, credentials.credentials, get_settings())
    if member is None:
        raise SignInRequired
    return member


ApiSignedIn = Annotated[Member, Depends(get_api_member)]


async def get_api_active_member(member: ApiSignedIn, db: DbSession) -> Member:
    if not member.is_active:
        raise NotVetted
    await sitewide_service.enforce_second_factor(db, member)
    return member


ApiMember = Annotated[Member, Depends(get_api_active_member)]


async def api_require_moderator(member: ApiMember) -> Member:
    check_can_vet(member)
    check_staff_second_factor(member)
    return member


async def api_require_audit_reader(member: ApiMember) -> Member:
    check_can_read_audit(member)
    check_staff_second_factor(member)
    return member


async def api_require_admin(member: ApiMember) -> Member:
    check_can_administer(member)
    check_staff_second_factor(member)
    return member


ApiModerator = Annotated[Member, Depends(api_require_moderator)]
ApiAuditReader = Annotated[Member, Depends(api_require_audit_reader)]
ApiAdmin = Annotated[Member, Depends(api_require_admin)]
