"""Encrypting small secrets at rest (authenticator-app seeds) with a key derived from the app's
secret key: a copy of the database alone does not give them away, and a tampered value fails to
decrypt rather than being used."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretUnreadable(ValueError):
    pass


@lru_cache(maxsize=4)
def _box(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"liaison {purpose}".encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, purpose: str, plaintext: str) -> str:
    return _box(secret_key, purpose).encrypt(plaintext.encode()).decode()


def open_sealed(secret_key: str, purpose: str, sealed: str) -> str:
    try:
        return _box(secret_key, purpose).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(purpose) from exc
