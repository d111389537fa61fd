"""The search page, and the suggestions shown under the header's search box while typing."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.agencies import service as agency_service
from app.deps import CurrentMember, DbSession, verify_csrf
from app.forms import errors_by_field
from app.forum.models import TLP
from app.policy import visible_categories
from app.search import service
from app.search.models import DocumentKind
from app.search.query import QueryRefused
from app.search.schemas import SearchIn
from app.templating import is_htmx, render
from app.web import redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _form(request: Request) -> tuple[SearchIn, dict[str, str]]:
    values = {k: v for k, v in request.query_params.items() if v != ""}
    try:
        return SearchIn.model_validate(values), {}
    except ValidationError as exc:
        return SearchIn(q=values.get("q", "")[:2000]), errors_by_field(exc)


@router.get("/search")
async def search(request: Request, db: DbSession, member: CurrentMember) -> Response:
    form, errors = _form(request)
    found = None
    if not errors and form.q.strip():
        try:
            found = await service.search(db, member, form.q, service.Filters.of(form), form.page)
        except QueryRefused as exc:
            errors = {"q": exc.message}
    query_string = request.url.query
    return render(
        request,
        "search/index.html",
        {
            "form": form,
            "errors": errors,
            "found": found,
            "kinds": list(DocumentKind),
            "labels": list(TLP),
            "categories": list(await db.scalars(visible_categories(member))),
            "agencies": await agency_service.list_directory(db),
            "base_query": "&".join(p for p in query_string.split("&") if not p.startswith("page=")),
        },
        block="results",
        status_code=422 if errors else 200,
    )


@router.get("/search/suggest")
async def suggest(request: Request, db: DbSession, member: CurrentMember, q: str = "") -> Response:
    if not is_htmx(request):
        return redirect(request, "/search?" + request.url.query)
    suggestions = await service.suggest(db, member, q[:200])
    return render(request, "search/index.html", {"suggestions": suggestions, "q": q}, block="suggestions")
