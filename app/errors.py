"""Errors a service raises for a refusal the user can act on; routes turn them into 4xx."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    status_code = 422


class TooLarge(ServiceError):
    status_code = 413


class Conflict(ServiceError):
    status_code = 409


class NotFound(ServiceError):
    status_code = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)
