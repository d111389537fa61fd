"""Password hashing (argon2id) and the password rules every form and API shares."""

from __future__ import annotations

import gzip
import re
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type

from app.config import Settings, get_settings

MIN_LENGTH = 12
MAX_LENGTH = 128
_LIST = Path(__file__).resolve().parent.parent / "accounts" / "common_passwords.txt.gz"
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")


class PasswordRejected(ValueError):
    pass


def make_hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return make_hasher(time_cost, memory_kib, parallelism)


def hasher(settings: Settings | None = None) -> PasswordHasher:
    """The hasher for the configured parameters; raising them rehashes at the next sign-in."""
    s = settings or get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Hashing for unknown accounts too keeps response times from revealing which e-mails exist."""
    return hash_password(hasher(), secrets.token_urlsafe(16))


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hasher: PasswordHasher, stored_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Top passwords from public breach corpora (zxcvbn's list, MIT licence), lower-cased."""
    with gzip.open(_LIST, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def check_password_rules(password: str) -> None:
    """Length and breach-list rules (ASVS 5.0 §6.2): no composition rules, only what NIST allows."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    stem = _TRAILING_NOISE.sub("", lowered)
    listed = common_passwords()
    if lowered in listed or (len(stem) >= 4 and stem in listed) or len(set(lowered)) < 4:
        raise PasswordRejected("This password is too common; choose one that is hard to guess.")
