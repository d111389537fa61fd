"""posts by date, for the digest's window of replies

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:40:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_posts_created_at", "posts", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_posts_created_at", table_name="posts")
