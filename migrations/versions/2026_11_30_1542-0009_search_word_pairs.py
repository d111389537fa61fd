"""search: an index of adjacent word pairs for phrases on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:42:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each lexeme of a document's tsvector paired with the next one by position (stop words are not in
# it), read from the stored tsvector rather than by parsing the text again. A document holding a
# phrase holds the pairs of its words, so for a rare phrase the index narrows the search to a
# handful of documents before positions are checked. The high cost keeps the planner from
# computing it row by row instead of reading the index.
PAIRS_FUNCTION = """
CREATE FUNCTION liaison_pairs(doc tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_agg(DISTINCT pair), '{}') FROM (
    SELECT lexeme || ' ' || lead(lexeme) OVER (ORDER BY pos) AS pair
    FROM (SELECT lexeme, unnest(positions) AS pos FROM unnest(doc)) AS words
  ) AS pairs WHERE pair IS NOT NULL
$$
"""
PAIRS_INDEX = "CREATE INDEX ix_search_documents_pairs ON search_documents USING gin (liaison_pairs(document))"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PAIRS_FUNCTION)
    op.execute(PAIRS_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_documents_pairs")
    op.execute("DROP FUNCTION liaison_pairs(tsvector)")
