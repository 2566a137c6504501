"""/api/auth: email codes, sign-up, login, token refresh, logout."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from api import problems as problem_responses
from api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ClientIP,
    CurrentAuth,
    SessionDep,
    UnitOfWorkRoute,
    check_csrf,
    csrf_failed,
    origin_allowed,
)
from api.locale import LOCALE_COOKIE, request_locale
from api.schemas.accounts import (
    BrowserLoginResponse,
    EmailCodeRequest,
    EmailCodeResponse,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    SignupRequest,
    TokenPairResponse,
    problems,
)
from withus.errors import NotAuthenticated
from withus.i18n import Msg
from withus.models.user import UserPrivate
from withus.services import auth as auth_service
from withus.services import email_codes, tokens
from withus.services import sessions as session_service
from withus.services.sessions import TokenPair
from withus.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"], route_class=UnitOfWorkRoute)

CookieMode = Query(
    default=False,
    description="Browser login: also set the HttpOnly `withus_session` cookie (the refresh token) and the "
    "readable `withus_csrf` cookie; the body then omits the refresh token.",
)


def _set_cookies(response: Response, pair: TokenPair) -> str:
    settings = get_settings()
    csrf = session_service.csrf_token_for(pair.session_id)
    common = {"max_age": pair.refresh_expires_in, "path": "/", "secure": settings.cookie_secure, "samesite": "lax"}
    response.set_cookie(SESSION_COOKIE, pair.refresh_token, httponly=True, **common)  # type: ignore[arg-type]
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **common)  # type: ignore[arg-type]
    return csrf


def _clear_cookies(response: Response) -> None:
    secure = get_settings().cookie_secure
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=name == SESSION_COOKIE, samesite="lax")


def _pair_body(pair: TokenPair) -> TokenPairResponse:
    return TokenPairResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        refresh_expires_in=pair.refresh_expires_in,
    )


def _browser_body(response: Response, pair: TokenPair) -> BrowserLoginResponse:
    csrf = _set_cookies(response, pair)
    return BrowserLoginResponse(access_token=pair.access_token, expires_in=pair.expires_in, csrf_token=csrf)


@router.post("/email-codes", status_code=202, response_model=EmailCodeResponse, responses=problems(422, 429, 503))
async def request_email_code(
    body: EmailCodeRequest, session: SessionDep, ip: ClientIP, request: Request
) -> EmailCodeResponse:
    """Mail a 6-digit sign-up code (valid 10 minutes, single use, 5 tries), written in the
    request's `Accept-Language` (`ko` or `en`).

    The answer is the same whether or not the address already has an account; a taken
    address gets a mail saying so instead of a code. One request per address per 60 s,
    5 per address and 20 per client IP per hour (429 with `Retry-After`). The mail is queued
    in the outbox and sent by the mail worker: while the mail server is down the answer is
    still 202 and the mail goes out once it is back (it can take a minute).
    """
    expires_in = await email_codes.do_request_code(session, email=body.email, ip=ip, locale=request_locale(request))
    return EmailCodeResponse(expires_in=expires_in)


@router.post("/signup", status_code=201, response_model=UserPrivate, responses=problems(400, 409, 422))
async def signup(body: SignupRequest, session: SessionDep) -> UserPrivate:
    """Create an account with the emailed code. Errors: `invalid_code`, `code_expired` (400),
    `username_taken` / `nickname_taken` / `email_taken` (409), field errors (422)."""
    user = await auth_service.do_signup(
        session,
        email=body.email,
        code=body.code,
        username=body.username,
        nickname=body.nickname,
        password=body.password,
    )
    return UserPrivate.of(user)


@router.post(
    "/login",
    response_model=TokenPairResponse | BrowserLoginResponse,
    responses=problems(401, 403, 422, 429),
)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    ip: ClientIP,
    cookie: bool = CookieMode,
) -> TokenPairResponse | BrowserLoginResponse:
    """Log in with a username or email. Wrong credentials and unknown accounts get the same
    `invalid_credentials` (401); repeated failures per account and per IP get 429 with `Retry-After`.

    With `?cookie=true` (browsers) the session is also kept in cookies: `withus_session`
    (HttpOnly, SameSite=Lax, Path=/, 14 days; the refresh token) and `withus_csrf` (readable;
    send it back as `X-CSRF-Token` on POST/PUT/PATCH/DELETE); `withus_locale` is set to the
    account's `locale`. A request with an `Origin` header
    from another site is refused (403 `csrf_failed`)."""
    if not origin_allowed(request):
        raise csrf_failed()
    user, pair = await auth_service.do_login(
        session,
        login=body.login,
        password=body.password,
        ip=ip,
        user_agent=request.headers.get("user-agent", ""),
    )
    if not cookie:
        return _pair_body(pair)
    # The browser reads withUs in the account's language from now on (withus/i18n/ui.py).
    response.set_cookie(LOCALE_COOKIE, user.locale, max_age=365 * 86400, path="/", samesite="lax")
    return _browser_body(response, pair)


@router.post(
    "/refresh",
    response_model=TokenPairResponse | BrowserLoginResponse,
    responses=problems(401, 403, 422),
)
async def refresh(
    request: Request, response: Response, body: RefreshRequest | None = None
) -> TokenPairResponse | BrowserLoginResponse | Response:
    """Exchange a refresh token for a new pair; the old refresh token is spent. Presenting a
    spent one revokes its whole session (`refresh_token_reused`).

    Without `refresh_token` in the body the `withus_session` cookie is used (with the CSRF
    header); the cookie is then rotated too and the body omits the refresh token."""
    if body is not None and body.refresh_token:
        return _pair_body(await session_service.rotate(refresh_token=body.refresh_token))
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise NotAuthenticated(Msg("error.not_authenticated.refresh_token"), code="not_authenticated")
    try:
        claims = tokens.decode(cookie, typ="refresh")
        check_csrf(request, claims.session_id)
        pair = await session_service.rotate(refresh_token=cookie)
    except NotAuthenticated as exc:
        failed = problem_responses.problem(
            401,
            code=exc.code,
            detail=exc.detail,
            headers={"WWW-Authenticate": "Bearer"},
            locale=request_locale(request),
        )
        _clear_cookies(failed)
        return failed
    return _browser_body(response, pair)


@router.post("/logout", status_code=204, response_class=Response, responses=problems(401, 403))
async def logout(request: Request, body: LogoutRequest | None = None) -> Response:
    """End this login session: the one of `refresh_token` in the body, else of the Bearer
    token, else of the `withus_session` cookie (which is then cleared; needs the CSRF header).
    Logging out a session that already ended is not an error."""
    result = Response(status_code=204)
    if body is not None and body.refresh_token:
        await session_service.revoke_refresh_token(body.refresh_token)
    elif "authorization" in request.headers:
        header = request.headers["authorization"]
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise tokens.invalid_token()
        try:
            claims = tokens.decode(token.strip(), typ="access")
        except NotAuthenticated as exc:
            if exc.code == "token_expired":
                return result
            raise
        await auth_service.do_logout(session_id=claims.session_id)
    elif SESSION_COOKIE in request.cookies:
        try:
            claims = tokens.decode(request.cookies[SESSION_COOKIE], typ="refresh")
        except NotAuthenticated:
            _clear_cookies(result)
            return result
        check_csrf(request, claims.session_id)
        await auth_service.do_logout(session_id=claims.session_id)
    else:
        raise NotAuthenticated()
    if SESSION_COOKIE in request.cookies or CSRF_COOKIE in request.cookies:
        _clear_cookies(result)
    return result


@router.post("/logout-all", status_code=204, response_class=Response, responses=problems(401, 403))
async def logout_all(auth: CurrentAuth, request: Request) -> Response:
    """End every login session of the user, this one included (browser cookies are cleared)."""
    await auth_service.do_logout_all(user=auth.user)
    result = Response(status_code=204)
    if SESSION_COOKIE in request.cookies:
        _clear_cookies(result)
    return result
