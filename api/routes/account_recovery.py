"""Getting back in: password reset by mail, and changing the account's email with a code."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.deps import ClientIP, CurrentUser, SessionDep, UnitOfWorkRoute
from api.schemas.accounts import problems
from withus.models.user import UserPrivate
from withus.services import email_change, password_reset

router = APIRouter(tags=["auth"], route_class=UnitOfWorkRoute)


class PasswordResetRequest(BaseModel):
    email: str = Field(max_length=320)


class PasswordResetAccepted(BaseModel):
    expires_in: int = Field(description="Seconds the link in the mail stays valid (when the address has an account).")


class PasswordResetConfirm(BaseModel):
    token: str = Field(max_length=200)
    new_password: str = Field(max_length=1024)


class EmailChangeRequest(BaseModel):
    new_email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class EmailChangeAccepted(BaseModel):
    expires_in: int = Field(description="Seconds the code mailed to the new address stays valid.")


class EmailChangeConfirm(BaseModel):
    code: str = Field(max_length=16)


@router.post(
    "/auth/password-resets", status_code=202, response_model=PasswordResetAccepted, responses=problems(422, 429)
)
async def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, ip: ClientIP
) -> PasswordResetAccepted:
    """Mail a link `{PUBLIC_URL}/reset-password?token=...` (single use, 30 minutes). The answer
    is the same whether or not the address has an account; an unknown address gets no mail.
    One request per address per 60 s, 5 per address and 20 per client IP per hour (429)."""
    await password_reset.do_request(session, email=body.email, ip=ip)
    return PasswordResetAccepted(expires_in=password_reset.TOKEN_TTL)


@router.post("/auth/password-resets/confirm", status_code=204, response_class=Response, responses=problems(400, 422))
async def confirm_password_reset(body: PasswordResetConfirm, session: SessionDep) -> Response:
    """Set a new password with the mailed token. Every login session of the user ends (open
    STOMP and SSE connections close); the token is spent; a mail says the password changed.
    Errors: `invalid_token` (400: unknown, tampered or spent), `token_expired` (400),
    `weak_password` (422, naming `new_password`)."""
    await password_reset.do_confirm(session, token=body.token, new_password=body.new_password)
    return Response(status_code=204)


@router.post(
    "/users/me/email",
    status_code=202,
    response_model=EmailChangeAccepted,
    responses=problems(401, 403, 409, 422, 429),
    tags=["users"],
)
async def request_email_change(
    body: EmailChangeRequest, user: CurrentUser, session: SessionDep, ip: ClientIP
) -> EmailChangeAccepted:
    """Mail a 6-digit code to the new address (valid 10 minutes). Needs the password
    (`wrong_password`, 422); the new address must not be taken (`email_taken`, 409).
    Limited per user, per new address (60 s, 5 an hour) and per IP (20 an hour): 429."""
    expires_in = await email_change.do_request(
        session, user=user, new_email=body.new_email, password=body.password, ip=ip
    )
    return EmailChangeAccepted(expires_in=expires_in)


@router.post(
    "/users/me/email/confirm",
    response_model=UserPrivate,
    responses=problems(400, 401, 403, 409),
    tags=["users"],
)
async def confirm_email_change(body: EmailChangeConfirm, user: CurrentUser, session: SessionDep) -> UserPrivate:
    """Change the email to the address the code went to; the old address gets a mail.
    Errors: `invalid_code`, `code_expired` (400), `email_taken` (409)."""
    changed = await email_change.do_confirm(session, user=user, code=body.code)
    return UserPrivate.of(changed)
