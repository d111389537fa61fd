# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml ./
# Only the dependencies go into the venv; the app runs from /srv/liaison beside its templates and migrations.
RUN pip install --no-cache-dir --upgrade pip \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip install --no-cache-dir -r requirements.txt

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 liaison
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/liaison
COPY --chown=liaison:liaison alembic.ini ./
COPY --chown=liaison:liaison app ./app
COPY --chown=liaison:liaison migrations ./migrations
COPY --chown=liaison:liaison templates ./templates
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LIAISON_VAR_DIR=/srv/liaison/var \
    WEB_CONCURRENCY=4
USER liaison
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"
CMD ["sh", "-c", "python -m app.cli migrate && exec uvicorn app.asgi:app --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY} --proxy-headers"]
