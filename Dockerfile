# The JCM Registry image, used by docker-compose.yml for web (gunicorn), worker and beat
# (Celery) and the one-off migrate step. Production settings; configuration from the environment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=jcm_registry.settings.production \
    JCM_VAR_DIR=/data \
    JCM_MEDIA_ROOT=/data/media

# WeasyPrint's libraries (Pango, HarfBuzz) and fonts: Japanese (Noto CJK), Latin and Cyrillic
# (DejaVu); gettext to compile the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk fonts-dejavu-core fontconfig \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them (versions pinned in pyproject.toml).
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Translations and static files are built into the image. collectstatic only reads settings:
# the placeholder values below are never used to connect anywhere.
RUN find . -name '*.po' -not -path './.venv/*' -exec sh -c 'msgfmt --check-format -o "${1%.po}.mo" "$1"' _ {} \; \
    && DJANGO_SECRET_KEY=build-only-placeholder DJANGO_ALLOWED_HOSTS=localhost \
       DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
       python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --create-home --home-dir /home/jcm --uid 10001 jcm \
    && mkdir -p /data/media /data/beat \
    && chown -R jcm:jcm /data
USER jcm

EXPOSE 8000
# Worker processes: WEB_CONCURRENCY (gunicorn reads it; default 1 without it, compose sets 3).
CMD ["gunicorn", "jcm_registry.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
