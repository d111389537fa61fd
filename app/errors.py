"""Errors a service raises for a refusal the user can act on; routes turn them into 4xx."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400
    headers: dict[str, str] | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    status_code = 422


class TooLarge(ServiceError):
    status_code = 413


class TooFast(ServiceError):
    """A limit on posting: a refusal the writer can act on (wait), shown in the form they used."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"You are posting faster than Liaison allows. Try again in {retry_after} seconds.")
        self.headers = {"Retry-After": str(retry_after)}


class Conflict(ServiceError):
    status_code = 409


class NotFound(ServiceError):
    status_code = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)
