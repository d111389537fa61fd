"""Driving the pages as a browser would: CSRF token from the page, cookies kept by the client."""

from __future__ import annotations

import re

import httpx

from tests.support.factories import PASSWORD
from tests.support.totp import code_for

CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def csrf_token(client: httpx.AsyncClient, page: str = "/sign-in") -> str:
    response = await client.get(page, follow_redirects=True)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient,
    url: str,
    data: dict[str, str] | None = None,
    *,
    page: str = "/sign-in",
    htmx: bool = False,
) -> httpx.Response:
    token = await csrf_token(client, page)
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(url, data={**(data or {}), "csrf_token": token}, headers=headers)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Answers the second step too when the account has a factor (staff, in tests)."""
    response = await post_form(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/sign-in/code"):
        page = response.headers["location"]
        response = await post_form(client, "/sign-in/code", {"code": code_for(email)}, page=page)
        assert response.status_code == 303, response.text
    return response


async def api_token(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    data = {"username": email, "password": password}
    response = await client.post("/api/v1/auth/token", data=data)
    if response.status_code == 401 and "otp" in response.text:
        response = await client.post("/api/v1/auth/token", data={**data, "otp": code_for(email)})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
