FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production

# gettext for catalogues; Japanese fonts, HarfBuzz subsetting and Pango for weasyprint PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-noto-cjk libharfbuzz-subset0 \
    libpango-1.0-0 libpangoft2-1.0-0 curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Build-time only values so collectstatic can import the production settings.
RUN SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only ALLOWED_HOSTS=build \
    python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only ALLOWED_HOSTS=build \
    python manage.py collectstatic --no-input -v0

RUN useradd --create-home --uid 1000 renkei && mkdir -p /app/media && chown renkei /app/media
USER renkei
EXPOSE 8000
CMD ["bin/web"]
