"""The application factory: wiring only; behaviour lives in the domain packages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import logs
from app.accounts import admin_pages as accounts_admin_pages
from app.accounts import api as accounts_api
from app.accounts import pages as accounts_pages
from app.accounts import settings_pages as accounts_settings_pages
from app.agencies import api as agencies_api
from app.agencies import pages as agencies_pages
from app.articles import api as articles_api
from app.articles import pages as articles_pages
from app.articles import review_pages as articles_review_pages
from app.audit import api as audit_api
from app.audit import pages as audit_pages
from app.config import ROOT, Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.deps import CsrfFailed, NotVetted, SignInRequired
from app.digest import pages as digest_pages
from app.digest import schedule as digest_schedule
from app.errors import ServiceError
from app.forum import admin_pages as forum_admin_pages
from app.forum import api as forum_api
from app.forum import moderation_pages as forum_moderation_pages
from app.forum import pages as forum_pages
from app.forum import post_pages as forum_post_pages
from app.mail.service import Postman, mailer_from_url
from app.mfa import key_pages
from app.mfa import pages as mfa_pages
from app.notifications import api as notifications_api
from app.notifications import pages as notifications_pages
from app.policy import Forbidden, NotVisible, SecondFactorRequired
from app.search import api as search_api
from app.search import pages as search_pages
from app.security.csrf import CsrfCookieMiddleware
from app.security.headers import SecurityHeadersMiddleware
from app.security.ratelimit import RateLimited, RateLimiter
from app.sitewide import pages as sitewide_pages
from app.templating import is_htmx
from app.vetting import api as vetting_api
from app.vetting import pages as vetting_pages
from app.web import error_page

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
SHUTDOWN_GRACE_SECONDS = 60
API_ROUTERS = (
    accounts_api.router,
    agencies_api.router,
    vetting_api.router,
    audit_api.router,
    forum_api.router,
    notifications_api.router,
    articles_api.router,
    search_api.router,
)
PAGE_ROUTERS = (
    forum_pages.router,
    forum_post_pages.router,
    forum_moderation_pages.router,
    forum_admin_pages.router,
    notifications_pages.router,
    articles_pages.router,
    articles_review_pages.router,
    digest_pages.router,
    search_pages.router,
    mfa_pages.router,
    key_pages.router,
    digest_pages.public_router,
    accounts_settings_pages.router,
    accounts_pages.router,
    vetting_pages.router,
    agencies_pages.router,
    accounts_admin_pages.router,
    sitewide_pages.router,
    audit_pages.router,
)


def route_table() -> Iterator[tuple[str, APIRoute]]:
    """Every page and API route with its full path: tests walk it so new routes are covered."""
    for router in PAGE_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                yield route.path, route
    for router in API_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                yield API_PREFIX + route.path, route


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status_code, headers=headers)
    return error_page(request, status_code, message, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "A valid bearer token is required."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = "/sign-in?next=" + quote(request.url.path)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return Response(status_code=303, headers={"Location": target})

    @app.exception_handler(NotVetted)
    async def _not_vetted(request: Request, _exc: NotVetted) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "This account is not vetted or is suspended."}, status_code=403)
        if is_htmx(request):
            return Response(status_code=403, headers={"HX-Redirect": "/application"})
        return Response(status_code=303, headers={"Location": "/application"})

    @app.exception_handler(NotVisible)
    async def _not_visible(request: Request, _exc: NotVisible) -> Response:
        return _error(request, 404, "Not found.")

    @app.exception_handler(SecondFactorRequired)
    async def _second_factor_required(request: Request, exc: SecondFactorRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        target = "/account/security?required=1"
        if is_htmx(request):
            return Response(status_code=403, headers={"HX-Redirect": target})
        return Response(status_code=303, headers={"Location": target})

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, exc.message)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        return _error(
            request, 403, "This form has expired or did not come from Liaison. Reload the page and try again."
        )

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> Response:
        return _error(
            request,
            429,
            f"Too many attempts. Try again in {exc.retry_after} seconds.",
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        if _is_api(request) and exc.field:
            return JSONResponse(
                {"detail": [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]},
                status_code=exc.status_code,
            )
        return _error(request, exc.status_code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
            return JSONResponse({"detail": errors}, status_code=422)
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return _error(request, 422, f"Some values in the address are not valid: {fields}.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Not found.", 405: "This method is not allowed here."}
        return _error(
            request,
            exc.status_code,
            messages.get(exc.status_code, str(exc.detail)),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, "Something went wrong on our side. It has been logged.")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not hasattr(app.state, "sessionmaker"):
            engine = create_engine(settings.database_url, pool_recycle=1800)
            app.state.engine = engine
            app.state.sessionmaker = create_sessionmaker(engine)
        schedule = None
        stop = asyncio.Event()
        if settings.digest_every_minutes:
            schedule = asyncio.create_task(
                digest_schedule.run_until(
                    stop,
                    app.state.sessionmaker,
                    settings,
                    mailer_from_url(settings.mail_url),
                    settings.digest_every_minutes * 60,
                    settings.digest_concurrency,
                )
            )
        yield
        if schedule is not None:
            stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(schedule, SHUTDOWN_GRACE_SECONDS)
        await app.state.postman.drain()
        if hasattr(app.state, "engine"):
            await app.state.engine.dispose()

    app = FastAPI(
        title="Liaison API",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        max_body_size=settings.article_pdf_max_bytes + 1024 * 1024,
    )
    app.state.postman = Postman(mailer_from_url(settings.mail_url))
    app.state.limiter = RateLimiter(settings.redis_url)

    install_error_handlers(app)
    app.add_middleware(
        CsrfCookieMiddleware, cookie_name=settings.csrf_cookie_name, secure=settings.secure_cookies
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=ROOT / "app" / "static"), name="static")

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    api = APIRouter(prefix=API_PREFIX)
    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    return app
