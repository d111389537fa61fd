"""Applying, verifying, signing in and out, and resetting a forgotten password."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts import credentials, service, sessions
from app.accounts.models import Member, MemberKind
from app.accounts.schemas import ForgotPasswordIn, RegistrationIn, ResetPasswordIn, SignInIn
from app.agencies import service as agencies_service
from app.deps import Ctx, DbSession, OptionalMember, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.mfa import keys as mfa_keys
from app.mfa import service as mfa_service
from app.security import tokens
from app.security.passwords import MAX_LENGTH, MIN_LENGTH
from app.templating import render
from app.web import (
    PENDING_COOKIE,
    clear_pending_cookie,
    clear_session_cookie,
    redirect,
    safe_next,
    set_pending_cookie,
    set_session_cookie,
)

router = APIRouter(dependencies=[Depends(verify_csrf)])


async def _register_form(
    request: Request, db: DbSession, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render(
        request,
        "accounts/register.html",
        {
            "agencies": await agencies_service.list_directory(db),
            "kinds": list(MemberKind),
            "values": values,
            "errors": errors,
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
        },
        status_code=status_code,
        block="register_form",
    )


@router.get("/register")
async def register_page(request: Request, db: DbSession, member: OptionalMember) -> Response:
    if member is not None:
        return redirect(request, "/")
    return await _register_form(request, db, {"kind": MemberKind.OFFICIAL.value}, {})


@router.post("/register")
async def register(request: Request, db: DbSession, ctx: Ctx) -> Response:
    values = await form_values(request)
    data, errors = validate(RegistrationIn, values)
    values.pop("password", None)
    if data is None:
        return await _register_form(request, db, values, errors, 422)
    try:
        await service.register(db, data, ctx)
    except ServiceError as exc:
        return await _register_form(request, db, values, {exc.field or FORM_LEVEL: exc.message}, 422)
    return render(request, "accounts/check_mail.html", {"email": data.email})


@router.get("/verify-email")
async def verify_email(request: Request, db: DbSession, ctx: Ctx, token: str = "") -> Response:
    try:
        member = await service.verify_email(db, token, ctx)
    except ServiceError as exc:
        return render(request, "accounts/verify_failed.html", {"message": exc.message}, status_code=400)
    return render(request, "accounts/verified.html", {"verified": member})


@router.get("/sign-in")
async def sign_in_page(request: Request, member: OptionalMember, next: str = "/") -> Response:
    if member is not None:
        return redirect(request, safe_next(next))
    return render(request, "accounts/sign_in.html", {"values": {}, "errors": {}, "next": safe_next(next)})


@router.post("/sign-in")
async def sign_in(request: Request, db: DbSession, ctx: Ctx, _previous: OptionalMember) -> Response:
    values = await form_values(request)
    next_url = safe_next(values.get("next"))
    data, errors = validate(SignInIn, values)
    context = {"values": {"email": values.get("email", "")}, "next": next_url}
    if data is None:
        return render(request, "accounts/sign_in.html", {**context, "errors": errors}, status_code=422)
    try:
        member = await sessions.authenticate(db, data, ctx)
    except sessions.SignInFailed:
        return render(
            request,
            "accounts/sign_in.html",
            {
                **context,
                "errors": {FORM_LEVEL: "That e-mail address and password do not match."},
            },
            status_code=401,
        )
    if member.second_factor_at is not None:
        response = redirect(request, "/sign-in/code?next=" + quote(next_url))
        set_pending_cookie(response, ctx.settings, mfa_service.pending_token(member, ctx.settings))
        return response
    return await finish_sign_in(request, db, ctx, member, next_url)


async def finish_sign_in(
    request: Request, db: DbSession, ctx: Ctx, member: Member, next_url: str
) -> Response:
    """After every way of proving who one is: a fresh session, never the one from before."""
    if request.state.auth_session is not None:
        await db.delete(request.state.auth_session)
    token = await sessions.start_session(db, member, ctx)
    await mfa_service.note_device(db, member, ctx, tokens.sha256_hex(token)[:12])
    response = redirect(request, next_url if member.is_active else "/application")
    set_session_cookie(response, ctx.settings, token)
    clear_pending_cookie(response, ctx.settings)
    return response


@router.get("/sign-in/code")
async def second_factor_page(request: Request, db: DbSession, ctx: Ctx, next: str = "/") -> Response:
    member = await mfa_service.pending_member(db, request.cookies.get(PENDING_COOKIE), ctx.settings)
    if member is None:
        return redirect(request, "/sign-in")
    return await second_step_page(request, db, member, safe_next(next), {})


async def second_step_page(
    request: Request,
    db: DbSession,
    member: Member,
    next_url: str,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    """Offers what this member has: their security keys, their authenticator app, and always the
    recovery codes."""
    context = {
        "errors": errors,
        "next": next_url,
        "has_keys": await mfa_keys.has_any(db, member),
        "has_app": await mfa_service.has_app(db, member),
    }
    return render(request, "accounts/second_factor.html", context, status_code=status_code)


@router.post("/sign-in/code")
async def second_factor(request: Request, db: DbSession, ctx: Ctx, _previous: OptionalMember) -> Response:
    """The authenticator code or a recovery code, after the password. A failure is answered here
    (and so recorded in the audit log, which an error would roll back)."""
    values = await form_values(request)
    next_url = safe_next(values.get("next"))
    member = await mfa_service.pending_member(db, request.cookies.get(PENDING_COOKIE), ctx.settings)
    if member is None:
        return redirect(request, "/sign-in")
    try:
        await mfa_service.check(db, member, values.get("code", "")[:40], ctx)
    except mfa_service.SecondFactorFailed as exc:
        return await second_step_page(request, db, member, next_url, {"code": exc.message}, 401)
    return await finish_sign_in(request, db, ctx, member, next_url)


@router.post("/sign-out")
async def sign_out(request: Request, db: DbSession, ctx: Ctx, member: OptionalMember) -> Response:
    if member is not None:
        await sessions.sign_out(db, request.state.auth_session, ctx)
    response = redirect(request, "/sign-in")
    clear_session_cookie(response, ctx.settings)
    return response


@router.get("/password/forgot")
async def forgot_page(request: Request) -> Response:
    return render(request, "accounts/forgot.html", {"values": {}, "errors": {}})


@router.post("/password/forgot")
async def forgot(request: Request, db: DbSession, ctx: Ctx) -> Response:
    values = await form_values(request)
    data, errors = validate(ForgotPasswordIn, values)
    if data is None:
        return render(request, "accounts/forgot.html", {"values": values, "errors": errors}, status_code=422)
    await credentials.request_password_reset(db, data.email, ctx)
    return render(request, "accounts/check_mail.html", {"email": data.email, "reset": True})


@router.get("/password/reset")
async def reset_page(request: Request, db: DbSession, ctx: Ctx, token: str = "") -> Response:
    try:
        await credentials.check_reset_token(db, token, ctx)
    except ServiceError as exc:
        return render(request, "accounts/verify_failed.html", {"message": exc.message}, status_code=400)
    return render(
        request,
        "accounts/reset.html",
        {
            "token": token,
            "errors": {},
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
        },
    )


@router.post("/password/reset")
async def reset(request: Request, db: DbSession, ctx: Ctx) -> Response:
    values = await form_values(request)
    data, errors = validate(ResetPasswordIn, values)
    if data is not None:
        try:
            await credentials.reset_password(db, data, ctx)
        except ServiceError as exc:
            errors = {exc.field or FORM_LEVEL: exc.message}
        else:
            response = render(request, "accounts/reset_done.html", {})
            clear_session_cookie(response, ctx.settings)
            return response
    if "token" in errors:
        return render(request, "accounts/verify_failed.html", {"message": errors["token"]}, status_code=400)
    return render(
        request,
        "accounts/reset.html",
        {
            "token": values.get("token", ""),
            "errors": errors,
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
        },
        status_code=422,
    )
