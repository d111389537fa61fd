from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from app.accounts.models import MemberKind, Role, Status
from app.security.passwords import PasswordRejected, check_password_rules


def _password(value: str) -> str:
    try:
        check_password_rules(value)
    except PasswordRejected as exc:
        raise ValueError(str(exc)) from exc
    return value


def _lower(value: str) -> str:
    return value.strip().lower()


NewPassword = Annotated[str, AfterValidator(_password)]
Email = Annotated[EmailStr, AfterValidator(_lower)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
OptionalText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)]


class RegistrationIn(BaseModel):
    display_name: DisplayName
    email: Email
    password: NewPassword
    kind: MemberKind
    agency_id: int | None = Field(None, gt=0)
    new_agency_name: OptionalText = None
    new_agency_country: OptionalText = None
    organisation: OptionalText = None

    @model_validator(mode="after")
    def _affiliation(self) -> RegistrationIn:
        if self.kind is MemberKind.OFFICIAL:
            self.organisation = None
            if self.agency_id is None:
                if not (self.new_agency_name and self.new_agency_country):
                    raise ValueError("Pick your agency from the directory, or name it and its country.")
            else:
                self.new_agency_name = self.new_agency_country = None
        else:
            self.agency_id = None
            self.new_agency_name = self.new_agency_country = None
            if not self.organisation or len(self.organisation) < 2:
                what = "university" if self.kind is MemberKind.ACADEMIC else "company"
                raise ValueError(f"Name your {what}.")
        return self


class SignInIn(BaseModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254)]
    password: AnyPassword


class ForgotPasswordIn(BaseModel):
    email: Email


class ResetPasswordIn(BaseModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    password: NewPassword


class VerifyEmailIn(BaseModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class ChangePasswordIn(BaseModel):
    current_password: AnyPassword
    new_password: NewPassword
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None


class ChangeEmailIn(BaseModel):
    new_email: Email
    password: AnyPassword
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None


class ReasonIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class RoleIn(BaseModel):
    moderator: bool


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    email: str
    kind: MemberKind
    role: Role
    status: Status
    affiliation: str
    agency_id: int | None
    email_verified: bool
    suspended: bool

    @classmethod
    def of(cls, member: object) -> MemberOut:
        return cls.model_validate(
            {
                **{
                    k: getattr(member, k)
                    for k in (
                        "id",
                        "display_name",
                        "email",
                        "kind",
                        "role",
                        "status",
                        "affiliation",
                        "agency_id",
                    )
                },
                "email_verified": member.email_verified_at is not None,
                "suspended": member.suspended_at is not None,
            }
        )


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool = False


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MessageOut(BaseModel):
    detail: str
