# The app: FastAPI + Telegram bot (Python 3.11). Migrates the database at start.
FROM python:3.11-slim
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /usr/local/bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY api ./api
COPY bot ./bot
COPY core ./core
COPY content ./content
COPY locales ./locales
RUN .venv/bin/python -m babel.messages.frontend compile -d locales -D messages
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
USER nobody
EXPOSE 8000
CMD ["uvicorn", "api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
