"""Search as JSON under /api/v1, through the same two steps as the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import ApiMember, DbSession
from app.search import service, snippets
from app.search.schemas import ResultOut, SearchIn, SearchOut

router = APIRouter(prefix="/search", tags=["search"])


def _result(r: service.Result) -> ResultOut:
    return ResultOut(
        kind=r.kind,
        title=r.title,
        url=r.url,
        category=r.category,
        author=r.author,
        created_at=r.created_at,
        tlp=r.tlp,
        tlp_label=r.tlp.label,
        snippet=snippets.as_text(r.snippet),
        snippet_html=str(snippets.as_html(r.snippet)),
    )


@router.get("")
async def search(db: DbSession, member: ApiMember, form: Annotated[SearchIn, Query()]) -> SearchOut:
    """Words must all match; "a phrase" matches in order; -word leaves results with it out."""
    found = await service.search(db, member, form.q, service.Filters.of(form), form.page)
    return SearchOut(
        page=found.page,
        found=found.found,
        exhaustive=found.exhausted,
        has_next=found.has_next,
        summary=found.summary,
        results=[_result(r) for r in found.results],
    )


@router.get("/suggest")
async def suggest(
    db: DbSession, member: ApiMember, q: Annotated[str, Query(max_length=200)] = ""
) -> list[ResultOut]:
    return [_result(r) for r in await service.suggest(db, member, q)]
