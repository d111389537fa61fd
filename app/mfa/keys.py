"""Security keys and passkeys (WebAuthn): the ceremonies that register them and check their
answers. What an answer is then good for (second factor, passwordless sign-in) is decided in
`service`, which also audits and e-mails.

Every ceremony starts with a random challenge kept server-side and deleted by the answer that
uses it, so an answer is good once. The webauthn package checks the signature, the origin, the
relying party and the counters; what is left here is which member and which purpose the answer
may serve.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

import webauthn
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers import exceptions as webauthn_errors
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.accounts.models import Member
from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput
from app.mfa.models import KeyChallenge, SecurityKey

CEREMONY_MINUTES = 5
MOST_KEYS = 10
REGISTER = "register"
SECOND_FACTOR = "second-factor"
PASSWORDLESS = "passwordless"
_FAILURES = (webauthn_errors.WebAuthnException, ValueError, TypeError, KeyError)
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class KeyFailed(InvalidInput):
    def __init__(self, message: str = "The security key's answer was not accepted. Try again.") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class KeyAnswer:
    """What the browser sent back: the ceremony it answers and the credential, as JSON."""

    ceremony: str
    response: str

    @classmethod
    def of(cls, values: dict[str, str]) -> KeyAnswer | None:
        ceremony, response = values.get("key_ceremony", ""), values.get("key_response", "")
        if not ceremony or not response:
            return None
        return cls(ceremony[:100], response[:20_000])


def _user_handle(member: Member, secret_key: str) -> bytes:
    """Stable per member and meaningless outside Liaison: authenticators keep it, so it must not
    be an e-mail address or a guessable number."""
    return hmac.new(secret_key.encode(), f"webauthn user {member.id}".encode(), hashlib.sha256).digest()[:32]


async def keys_of(db: AsyncSession, member: Member) -> list[SecurityKey]:
    query = select(SecurityKey).where(SecurityKey.member_id == member.id).order_by(SecurityKey.id)
    return list(await db.scalars(query))


async def has_any(db: AsyncSession, member: Member) -> bool:
    query = select(SecurityKey.id).where(SecurityKey.member_id == member.id).limit(1)
    return member.second_factor_at is not None and await db.scalar(query) is not None


def _descriptor(key: SecurityKey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in key.transports.split(",") if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(
        id=webauthn.base64url_to_bytes(key.credential_id), transports=transports or None
    )


async def _new_ceremony(db: AsyncSession, member: Member | None, purpose: str) -> tuple[str, bytes]:
    """Expired ceremonies go, and so does a member's earlier unanswered one for the same purpose:
    asking again and again cannot pile rows up."""
    now = utcnow()
    await db.execute(delete(KeyChallenge).where(KeyChallenge.expires_at < now))
    if member is not None:
        await db.execute(
            delete(KeyChallenge).where(KeyChallenge.member_id == member.id, KeyChallenge.purpose == purpose)
        )
    ceremony, challenge = secrets.token_urlsafe(32), secrets.token_bytes(32)
    db.add(
        KeyChallenge(
            id=ceremony,
            member_id=member.id if member else None,
            purpose=purpose,
            challenge=challenge,
            expires_at=now + timedelta(minutes=CEREMONY_MINUTES),
        )
    )
    await db.flush()
    return ceremony, challenge


async def _take_ceremony(db: AsyncSession, ceremony: str, member: Member | None, purpose: str) -> bytes:
    """The challenge, deleted in the same step: of two answers to one ceremony only one gets it."""
    owner = KeyChallenge.member_id.is_(None) if member is None else KeyChallenge.member_id == member.id
    taken = await db.execute(
        delete(KeyChallenge)
        .where(
            KeyChallenge.id == ceremony,
            KeyChallenge.purpose == purpose,
            KeyChallenge.expires_at >= utcnow(),
            owner,
        )
        .returning(KeyChallenge.challenge)
    )
    challenge = taken.scalar_one_or_none()
    if challenge is None:
        raise KeyFailed("That request has expired or was already used. Try again.")
    return challenge


async def registration_options(db: AsyncSession, member: Member, settings: Settings) -> dict[str, object]:
    """Asked for after the member confirmed it is them; the answer must come within minutes."""
    keys = await keys_of(db, member)
    if len(keys) >= MOST_KEYS:
        raise InvalidInput(f"You have {MOST_KEYS} security keys already; remove one first.")
    ceremony, challenge = await _new_ceremony(db, member, REGISTER)
    options = webauthn.generate_registration_options(
        rp_id=settings.relying_party_id,
        rp_name=settings.site_name,
        user_id=_user_handle(member, settings.secret_key),
        user_name=member.email,
        user_display_name=member.display_name,
        challenge=challenge,
        timeout=CEREMONY_MINUTES * 60_000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(key) for key in keys],
    )
    return {"ceremony": ceremony, "publicKey": _json(options)}


def _json(options: object) -> object:
    return json.loads(webauthn.options_to_json(options))  # type: ignore[arg-type]


async def register(
    db: AsyncSession, member: Member, name: str, answer: KeyAnswer, settings: Settings
) -> SecurityKey:
    challenge = await _take_ceremony(db, answer.ceremony, member, REGISTER)
    try:
        verified = webauthn.verify_registration_response(
            credential=answer.response,
            expected_challenge=challenge,
            expected_rp_id=settings.relying_party_id,
            expected_origin=settings.origin,
        )
    except _FAILURES as exc:
        raise KeyFailed("The security key could not be registered. Try again.") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if await db.scalar(select(SecurityKey.id).where(SecurityKey.credential_id == credential_id)):
        raise KeyFailed("That security key is registered already.")
    key = SecurityKey(
        member_id=member.id,
        name=name,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(_transports_of(answer.response)),
        passwordless=verified.user_verified,
    )
    db.add(key)
    await db.flush()
    return key


def _transports_of(response: str) -> list[str]:
    try:
        found = json.loads(response).get("response", {}).get("transports", [])
    except (ValueError, AttributeError):
        return []
    return [t for t in found if isinstance(t, str) and t in _TRANSPORTS][:6]


async def authentication_options(
    db: AsyncSession, member: Member | None, purpose: str, settings: Settings
) -> dict[str, object]:
    """For a known member, their keys are offered; for a passwordless sign-in the browser offers
    whichever passkeys it holds for this site, and the person must be verified."""
    allowed = [_descriptor(key) for key in await keys_of(db, member)] if member else []
    if member is not None and not allowed:
        raise InvalidInput("This account has no security key.")
    ceremony, challenge = await _new_ceremony(db, member, purpose)
    options = webauthn.generate_authentication_options(
        rp_id=settings.relying_party_id,
        challenge=challenge,
        timeout=CEREMONY_MINUTES * 60_000,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED
        if purpose == PASSWORDLESS
        else UserVerificationRequirement.PREFERRED,
    )
    return {"ceremony": ceremony, "publicKey": _json(options)}


async def verify(
    db: AsyncSession, member: Member | None, purpose: str, answer: KeyAnswer, settings: Settings
) -> SecurityKey:
    """The key that answered. For a known member it must be one of theirs; without one (a
    passwordless sign-in) it must have verified the person."""
    challenge = await _take_ceremony(db, answer.ceremony, member, purpose)
    try:
        credential = parse_authentication_credential_json(answer.response)
    except _FAILURES as exc:
        raise KeyFailed from exc
    credential_id = bytes_to_base64url(credential.raw_id)
    key = await db.scalar(select(SecurityKey).where(SecurityKey.credential_id == credential_id))
    if key is None or (member is not None and key.member_id != member.id):
        raise KeyFailed
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.relying_party_id,
            expected_origin=settings.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
            require_user_verification=purpose == PASSWORDLESS,
        )
    except _FAILURES as exc:
        raise KeyFailed from exc
    key.sign_count = verified.new_sign_count
    key.last_used_at = utcnow()
    await db.flush()
    return key


async def delete_key(db: AsyncSession, member: Member, key_id: int) -> SecurityKey:
    key = await db.scalar(
        select(SecurityKey).where(SecurityKey.id == key_id, SecurityKey.member_id == member.id)
    )
    if key is None:
        raise InvalidInput("That security key is not on your account.")
    await db.delete(key)
    await db.flush()
    return key
