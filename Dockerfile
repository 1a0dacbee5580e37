# Production image: gunicorn serves Django, whitenoise serves the static files (Chart.js from npm).
FROM node:20-bookworm-slim AS static
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LADDER_VAR_DIR=/var/lib/ladder
WORKDIR /app
COPY pyproject.toml ./
COPY config ./config
COPY forces ./forces
COPY engagement ./engagement
COPY dashboard ./dashboard
RUN pip install --no-cache-dir .
COPY . .
COPY --from=static /app/node_modules ./node_modules
RUN SECRET_KEY=build PSEUDONYM_KEY=build python manage.py collectstatic --no-input \
    && useradd --system ladder && mkdir -p /var/lib/ladder && chown ladder /var/lib/ladder
USER ladder
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
