"""Codes from the test staff's authenticator seed. A code is accepted once, so each sign-in of the
same account takes the next 30-second step not used yet. Never the step before now: the server may
read the code after the clock has moved on, and two steps back is refused."""

from __future__ import annotations

import time

import pyotp

from tests.support.factories import STAFF_TOTP_SECRET

_last: dict[str, int] = {}


def code_for(email: str, secret: str = STAFF_TOTP_SECRET) -> str:
    now = int(time.time()) // 30
    step = max(now, _last.get(email, 0) + 1)
    while step > int(time.time()) // 30 + 1:
        time.sleep(1)
    _last[email] = step
    return pyotp.TOTP(secret).at(step * 30)


async def answer_second_step(page, email: str) -> None:  # type: ignore[no-untyped-def]
    """In the browser, after the password: staff accounts are asked for their code."""
    await page.get_by_role("heading", name="Enter your code").wait_for()
    await page.get_by_label("Code", exact=True).fill(code_for(email))
    await page.get_by_role("button", name="Sign in").click()
