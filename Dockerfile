# syntax=docker/dockerfile:1
# Toasty: one image for the GitHub App (`serve`, the default), its database migrations (`migrate`) and the CLI.
# It installs `toasty[app]`: the core (engine, CLI, reports) and the App's server, database drivers and scheduler.
#
#   docker build -t toasty .
#   docker run --rm toasty --version
#   docker run --rm -p 8080:8080 -e GITHUB_WEBHOOK_SECRET=... -v toasty-data:/data toasty          # SQLite in /data
#   docker run --rm -e DATABASE_URL=postgresql://toasty:PASSWORD@db:5432/toasty toasty migrate
#
# Deployment with PostgreSQL (Compose, Kubernetes): docs/deployment.md.

ARG PYTHON_IMAGE=python:3.13-slim

# --- builder: Toasty as a wheel, next to wheels of everything it depends on -----------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# Binary wheels only: every dependency publishes CPython 3.13 wheels for x86_64 and arm64, so no stage needs a
# compiler, and a dependency that stops doing so fails the build here instead of silently compiling.
RUN pip wheel --wheel-dir /wheels --only-binary=:all: '.[app]'

# --- final: the wheels installed, no build tools, an unprivileged user ----------------------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="Toasty" \
      org.opencontainers.image.description="Grades the code a pull request changes; GitHub App, CLI and migrations" \
      org.opencontainers.image.licenses="MIT"
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
# The wheels are mounted from the builder for this one step, so they never become a layer of this image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels 'toasty[app]' \
    && groupadd --system --gid 10001 toasty \
    && useradd --system --uid 10001 --gid toasty --home-dir /data --no-create-home --shell /usr/sbin/nologin toasty \
    && install -d -o toasty -g toasty -m 0750 /data

# With SQLite, /data is the only place the process writes: mount a volume there to keep the database. In production
# DATABASE_URL points at PostgreSQL instead (postgresql://...; the App picks the async drivers itself).
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/toasty.db
WORKDIR /data
# Numeric, so Kubernetes can check runAsNonRoot against the image without a runAsUser.
USER 10001:10001

EXPOSE 8080
# Liveness only (the process answers); /readyz adds the database. Python's urllib: the image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TOASTY_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["toasty"]
CMD ["serve"]
