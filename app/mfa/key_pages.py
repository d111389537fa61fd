"""Security keys and passkeys in the browser: the JSON the page's script hands to
navigator.credentials, and the form posts that carry the authenticator's answer back.

Registering a key starts only after the member confirmed it is them (password and current second
factor), and must be finished within the few minutes its ceremony lives.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.accounts.models import Member
from app.accounts.pages import finish_sign_in, second_step_page
from app.deps import Ctx, DbSession, OptionalMember, SignedInMember, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.mfa import keys, service
from app.mfa.keys import KeyAnswer
from app.mfa.pages import page as security_page
from app.mfa.schemas import ConfirmIn, KeyNameIn
from app.templating import render
from app.web import PENDING_COOKIE, redirect, safe_next

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _refused(message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field or FORM_LEVEL}, status_code=422)


@router.post("/account/security/keys/options")
async def registration_options(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    values = await form_values(request)
    named, errors = validate(KeyNameIn, values)
    confirm, confirm_errors = validate(ConfirmIn, values)
    errors |= confirm_errors
    if named is None or confirm is None:
        field, message = next(iter(errors.items()))
        return _refused(message, field)
    try:
        await service.confirm_identity(db, member, confirm.password, confirm.code, ctx, KeyAnswer.of(values))
        return JSONResponse(await keys.registration_options(db, member, ctx.settings))
    except ServiceError as exc:
        return _refused(exc.message, exc.field)


@router.post("/account/security/keys")
async def add(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    values = await form_values(request)
    named, errors = validate(KeyNameIn, values)
    answer = KeyAnswer.of(values)
    if named is None or answer is None:
        errors = errors or {FORM_LEVEL: "Your browser did not send the security key's answer. Try again."}
        return await security_page(request, db, member, errors=errors, failed="add-key-", status_code=422)
    try:
        codes = await service.add_key(db, member, named.name, answer, ctx)
    except ServiceError as exc:
        return await security_page(
            request, db, member, errors={FORM_LEVEL: exc.message}, failed="add-key-", status_code=422
        )
    return await security_page(
        request, db, member, recovery_codes=codes, message=f"The security key “{named.name}” was added."
    )


@router.post("/account/security/keys/remove")
async def remove(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    values = await form_values(request)
    confirm, errors = validate(ConfirmIn, values)
    key_id = values.get("key_id", "")
    if confirm is None or not key_id.isdigit():
        return await security_page(
            request,
            db,
            member,
            errors=errors or {FORM_LEVEL: "Choose a key to remove."},
            failed="remove-key-",
            status_code=422,
        )
    try:
        await service.confirm_identity(db, member, confirm.password, confirm.code, ctx, KeyAnswer.of(values))
        await service.remove_key(db, member, int(key_id), ctx)
    except ServiceError as exc:
        errors = {exc.field or FORM_LEVEL: exc.message}
        return await security_page(request, db, member, errors=errors, failed="remove-key-", status_code=422)
    return await security_page(request, db, member, message="The security key was removed.")


@router.post("/account/security/keys/challenge")
async def confirm_options(db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    """For confirming it is them with a key, before changing how the account is protected."""
    return await _options(db, ctx, member, keys.SECOND_FACTOR)


async def _options(db: DbSession, ctx: Ctx, member: Member | None, purpose: str) -> Response:
    try:
        return JSONResponse(await keys.authentication_options(db, member, purpose, ctx.settings))
    except ServiceError as exc:
        return _refused(exc.message, exc.field)


@router.post("/sign-in/key/options")
async def second_step_options(request: Request, db: DbSession, ctx: Ctx) -> Response:
    member = await service.pending_member(db, request.cookies.get(PENDING_COOKIE), ctx.settings)
    if member is None:
        return _refused("Your sign-in has expired; start again.")
    return await _options(db, ctx, member, keys.SECOND_FACTOR)


@router.post("/sign-in/key")
async def second_step(request: Request, db: DbSession, ctx: Ctx, _previous: OptionalMember) -> Response:
    """A failure is answered with the page (and so kept in the audit log, which an error would
    roll back)."""
    values = await form_values(request)
    next_url = safe_next(values.get("next"))
    member = await service.pending_member(db, request.cookies.get(PENDING_COOKIE), ctx.settings)
    if member is None:
        return redirect(request, "/sign-in")
    answer = KeyAnswer.of(values)
    try:
        if answer is None:
            raise keys.KeyFailed
        await service.check(db, member, "", ctx, answer)
    except ServiceError as exc:
        return await second_step_page(request, db, member, next_url, {FORM_LEVEL: exc.message}, 401)
    return await finish_sign_in(request, db, ctx, member, next_url)


@router.post("/sign-in/passkey/options")
async def passkey_options(db: DbSession, ctx: Ctx) -> Response:
    """Anyone may ask, so asking counts against the address like a sign-in attempt."""
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_address, "sign-in-ip", ctx.ip or "-")
    return await _options(db, ctx, None, keys.PASSWORDLESS)


@router.post("/sign-in/passkey")
async def passkey(request: Request, db: DbSession, ctx: Ctx, _previous: OptionalMember) -> Response:
    values = await form_values(request)
    next_url = safe_next(values.get("next"))
    answer = KeyAnswer.of(values)
    try:
        if answer is None:
            raise keys.KeyFailed
        member = await service.sign_in_with_passkey(db, answer, ctx)
    except ServiceError as exc:
        context = {"values": {}, "errors": {FORM_LEVEL: exc.message}, "next": next_url}
        return render(request, "accounts/sign_in.html", context, status_code=401)
    return await finish_sign_in(request, db, ctx, member, next_url)
