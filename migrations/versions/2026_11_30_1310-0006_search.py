"""search: documents, and each engine's full-text index over them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, coalesce(new.title, ''), new.body);
    END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, coalesce(old.title, ''), old.body);
    END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE OF title, body ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, coalesce(old.title, ''), old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, coalesce(new.title, ''), new.body);
    END""",
]

POSTGRES_FTS = [
    """ALTER TABLE search_documents ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', body), 'B')) STORED""",
    "CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)",
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "thread", "reply", "article", "comment", name="documentkind", native_enum=False, length=8
            ),
            nullable=False,
        ),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_search_documents_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_search_documents_author_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["article_comments.id"],
            name=op.f("fk_search_documents_comment_id_article_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_search_documents_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_search_documents_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("source", name=op.f("uq_search_documents_source")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index("ix_search_documents_author_created", ["author_id", "created_at"], unique=False)
        for column in ("article_id", "comment_id", "kind", "post_id", "thread_id"):
            batch_op.create_index(batch_op.f(f"ix_search_documents_{column}"), [column], unique=False)
    statements = POSTGRES_FTS if op.get_bind().dialect.name == "postgresql" else SQLITE_FTS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_documents")
