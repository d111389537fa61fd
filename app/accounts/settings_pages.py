"""The member's own pages: home, application status, and account settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts import credentials, service, sessions
from app.accounts.models import Status
from app.accounts.schemas import ChangeEmailIn, ChangePasswordIn
from app.deps import (
    Ctx,
    CurrentAuthSession,
    DbSession,
    SignedInMember,
    verify_csrf,
)
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.mfa import keys as mfa_keys
from app.mfa.keys import KeyAnswer
from app.security.passwords import MAX_LENGTH, MIN_LENGTH
from app.templating import render
from app.web import redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/application")
async def application_status(request: Request, member: SignedInMember) -> Response:
    if member.is_active:
        return redirect(request, "/")
    return render(request, "accounts/application.html", {"statuses": Status, "sent": False})


@router.post("/application/resend-verification")
async def resend_verification(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    await service.resend_verification(db, member, ctx)
    return render(
        request, "accounts/application.html", {"statuses": Status, "sent": True}, block="verification"
    )


async def _account_page(
    request: Request,
    db: DbSession,
    member: SignedInMember,
    session: CurrentAuthSession,
    *,
    errors: dict[str, str] | None = None,
    changed: bool = False,
    email_sent: str | None = None,
    email_errors: dict[str, str] | None = None,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    return render(
        request,
        "accounts/account.html",
        {
            "sessions": await sessions.list_sessions(db, member),
            "current_session_id": session.id,
            "errors": errors or {},
            "changed": changed,
            "email_sent": email_sent,
            "email_errors": email_errors or {},
            "has_keys": await mfa_keys.has_any(db, member),
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
        },
        status_code=status_code,
        block=block,
    )


@router.post("/account/email")
async def change_email(
    request: Request, db: DbSession, ctx: Ctx, member: SignedInMember, session: CurrentAuthSession
) -> Response:
    values = await form_values(request)
    data, errors = validate(ChangeEmailIn, values)
    if data is not None:
        try:
            await credentials.request_email_change(db, member, data, ctx, KeyAnswer.of(values))
        except ServiceError as exc:
            errors = {exc.field or FORM_LEVEL: exc.message}
        else:
            return await _account_page(request, db, member, session, email_sent=data.new_email, block="email")
    return await _account_page(
        request, db, member, session, email_errors=errors, status_code=422, block="email"
    )


@router.get("/account/email/confirm")
async def confirm_email_page(request: Request, db: DbSession, ctx: Ctx, token: str = "") -> Response:
    """Only shows a button: mail scanners that open links must not change the address."""
    try:
        member = await credentials.check_email_change(db, token[:2000], ctx)
    except ServiceError as exc:
        return render(request, "accounts/verify_failed.html", {"message": exc.message}, status_code=400)
    context = {"token": token, "new_email": member.pending_email, "changed_to": None}
    return render(request, "accounts/email_confirm.html", context)


@router.post("/account/email/confirm")
async def confirm_email(request: Request, db: DbSession, ctx: Ctx) -> Response:
    token = (await form_values(request)).get("token", "")[:2000]
    try:
        member = await credentials.confirm_email_change(db, token, ctx)
    except ServiceError as exc:
        return render(request, "accounts/verify_failed.html", {"message": exc.message}, status_code=400)
    return render(request, "accounts/email_confirm.html", {"changed_to": member.email})


@router.get("/account")
async def account(
    request: Request, db: DbSession, member: SignedInMember, session: CurrentAuthSession
) -> Response:
    return await _account_page(request, db, member, session)


@router.post("/account/password")
async def change_password(
    request: Request, db: DbSession, ctx: Ctx, member: SignedInMember, session: CurrentAuthSession
) -> Response:
    values = await form_values(request)
    data, errors = validate(ChangePasswordIn, values)
    if data is not None:
        try:
            await credentials.change_password(
                db, member, data, ctx, keep_session=session.id, key=KeyAnswer.of(values)
            )
        except ServiceError as exc:
            errors = {exc.field or FORM_LEVEL: exc.message}
        else:
            return await _account_page(request, db, member, session, changed=True, block="password")
    return await _account_page(request, db, member, session, errors=errors, status_code=422, block="password")


@router.post("/account/sessions/{session_id}/end")
async def end_session(
    request: Request,
    session_id: str,
    db: DbSession,
    ctx: Ctx,
    member: SignedInMember,
    session: CurrentAuthSession,
) -> Response:
    await sessions.end_session(db, member, session_id, ctx)
    if session_id == session.id:
        return redirect(request, "/sign-in")
    return await _account_page(request, db, member, session, block="sessions")


@router.post("/account/notifications")
async def notification_preferences(
    request: Request, db: DbSession, ctx: Ctx, member: SignedInMember, session: CurrentAuthSession
) -> Response:
    member.email_notifications = (await form_values(request)).get("email_notifications") == "1"
    await db.flush()
    return await _account_page(request, db, member, session, block="notifications")
