# Production image: gunicorn serves Django, whitenoise serves the static files (Chart.js from npm).
# The same image runs every process of docker-compose.yml (web, worker, beat, migrate).
FROM node:20-bookworm-slim AS static
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LADDER_VAR_DIR=/var/lib/ladder LOG_FORMAT=json
WORKDIR /app
# pg_dump and pg_restore for `manage.py backup` and `restore` (the backup service of
# docker-compose.yml): version 15, as the database image (a pg_dump older than its server fails).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
# Only what production needs: `pip install .` without the dev extras (tests/test_packaging.py
# proves such an install reaches Redis).
COPY pyproject.toml ./
COPY config ./config
COPY api ./api
COPY forces ./forces
COPY engagement ./engagement
COPY dashboard ./dashboard
COPY reports ./reports
COPY audit ./audit
RUN pip install --no-cache-dir .
COPY . .
COPY --from=static /app/node_modules ./node_modules
RUN SECRET_KEY=build PSEUDONYM_KEY=build python manage.py collectstatic --no-input \
    && useradd --system ladder && mkdir -p /var/lib/ladder /backups \
    && chown ladder /var/lib/ladder /backups
USER ladder
EXPOSE 8000
# Ready: the database, migrations, Redis and the figures' age (config/health.py).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# Timeouts and workers: config/gunicorn.py (GUNICORN_TIMEOUT, WEB_CONCURRENCY).
CMD ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]
