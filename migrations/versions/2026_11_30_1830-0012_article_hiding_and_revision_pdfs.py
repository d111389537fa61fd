"""article hiding and revision pdfs

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdf_stored_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pdf_filename", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("pdf_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.drop_column("pdf_size")
        batch_op.drop_column("pdf_filename")
        batch_op.drop_column("pdf_stored_name")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("hidden_reason")
