"""Browser forms validated by the same Pydantic models as the API."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from app.security.csrf import FORM_FIELD

M = TypeVar("M", bound=BaseModel)
FORM_LEVEL = "__form__"


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != FORM_FIELD}


def validate(model: type[M], values: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """Empty strings mean 'not given', so optional fields stay optional when a form sends them."""
    cleaned = {k: (v if v != "" else None) for k, v in values.items()}
    try:
        return model.model_validate(cleaned), {}
    except ValidationError as exc:
        return None, errors_by_field(exc)


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else FORM_LEVEL
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing" or (error["type"] == "string_type" and error.get("input") is None):
            message = "This field is required."
        errors.setdefault(field, message)
    return errors
