"""Full-text search. Importing the package registers the listener that keeps the index in step."""

from app.search import indexing as indexing
