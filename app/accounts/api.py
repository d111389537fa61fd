"""JSON endpoints for accounts; the same service layer as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import JSONResponse

from app.accounts import credentials, repository, service, sessions
from app.accounts.models import Member, Status
from app.accounts.schemas import (
    ChangePasswordIn,
    ForgotPasswordIn,
    MemberOut,
    MessageOut,
    ReasonIn,
    RegistrationIn,
    ResetPasswordIn,
    RoleIn,
    SessionOut,
    SignInIn,
    TokenOut,
    VerifyEmailIn,
)
from app.deps import ApiAdmin, ApiSignedIn, Ctx, DbSession
from app.mfa import service as mfa_service

router = APIRouter(tags=["accounts"])

REGISTERED = "If this address can be used, a verification link is on its way to it."
RESET_SENT = "If an account uses this address, a reset link is on its way to it."


@router.post(
    "/auth/token", response_model=TokenOut, responses={401: {"model": MessageOut}, 429: {"model": MessageOut}}
)
async def token(
    db: DbSession,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    grant_type: Annotated[str, Form(pattern="^password$")] = "password",
    otp: Annotated[str, Form(max_length=40)] = "",
) -> TokenOut | JSONResponse:
    """OAuth 2 password grant: the e-mail address as username; accounts with a second factor also
    send its current code (or a recovery code) as `otp`."""
    try:
        access, expires_in = await sessions.issue_api_token(
            db, SignInIn(email=username, password=password), ctx, otp=otp
        )
    except sessions.SignInFailed:
        return JSONResponse(
            {"detail": "Invalid e-mail address or password."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    except mfa_service.SecondFactorFailed as exc:
        detail = exc.message if otp else "This account has a second factor: send its code as otp."
        return JSONResponse({"detail": detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return TokenOut(access_token=access, expires_in=expires_in)


@router.post("/accounts", response_model=MessageOut, status_code=202)
async def register(body: RegistrationIn, db: DbSession, ctx: Ctx) -> MessageOut:
    await service.register(db, body, ctx)
    return MessageOut(detail=REGISTERED)


@router.post("/accounts/verify-email", response_model=MemberOut)
async def verify_email(body: VerifyEmailIn, db: DbSession, ctx: Ctx) -> MemberOut:
    return MemberOut.of(await service.verify_email(db, body.token, ctx))


@router.post("/password/forgot", response_model=MessageOut, status_code=202)
async def forgot_password(body: ForgotPasswordIn, db: DbSession, ctx: Ctx) -> MessageOut:
    await credentials.request_password_reset(db, body.email, ctx)
    return MessageOut(detail=RESET_SENT)


@router.post("/password/reset", response_model=MessageOut)
async def reset_password(body: ResetPasswordIn, db: DbSession, ctx: Ctx) -> MessageOut:
    await credentials.reset_password(db, body, ctx)
    return MessageOut(detail="Your password was changed and every session ended.")


@router.get("/me", response_model=MemberOut)
async def me(member: ApiSignedIn) -> MemberOut:
    return MemberOut.of(member)


@router.post("/me/password", response_model=MessageOut)
async def change_password(body: ChangePasswordIn, db: DbSession, ctx: Ctx, member: ApiSignedIn) -> MessageOut:
    await credentials.change_password(db, member, body, ctx, keep_session=None)
    return MessageOut(detail="Password changed; every session and token was ended.")


@router.get("/me/sessions", response_model=list[SessionOut])
async def my_sessions(db: DbSession, member: ApiSignedIn) -> list[SessionOut]:
    return [SessionOut.model_validate(s) for s in await sessions.list_sessions(db, member)]


@router.delete("/me/sessions/{session_id}", status_code=204)
async def end_session(session_id: str, db: DbSession, ctx: Ctx, member: ApiSignedIn) -> None:
    await sessions.end_session(db, member, session_id, ctx)


@router.get("/members", response_model=list[MemberOut])
async def list_members(
    db: DbSession, _admin: ApiAdmin, status: Status | None = None, q: str = ""
) -> list[MemberOut]:
    return [MemberOut.of(m) for m in await service.list_members(db, status=status, query=q[:100])]


async def _target(db: DbSession, member_id: int) -> Member:
    target = await repository.get_member(db, member_id)
    if target is None:
        raise HTTPException(404, "No such member.")
    return target


@router.put("/members/{member_id}/role", response_model=MemberOut)
async def set_role(member_id: int, body: RoleIn, db: DbSession, ctx: Ctx, admin: ApiAdmin) -> MemberOut:
    target = await _target(db, member_id)
    return MemberOut.of(await service.set_moderator(db, admin, target, body.moderator, ctx))


@router.post("/members/{member_id}/suspend", response_model=MemberOut)
async def suspend(member_id: int, body: ReasonIn, db: DbSession, ctx: Ctx, admin: ApiAdmin) -> MemberOut:
    target = await _target(db, member_id)
    return MemberOut.of(await service.suspend(db, admin, target, body.reason, ctx))


@router.post("/members/{member_id}/reinstate", response_model=MemberOut)
async def reinstate(member_id: int, db: DbSession, ctx: Ctx, admin: ApiAdmin) -> MemberOut:
    target = await _target(db, member_id)
    return MemberOut.of(await service.reinstate(db, admin, target, ctx))
