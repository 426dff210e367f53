# Convene in a container: python:3.11-slim, installed as a package, run as a user
# of its own. docs/deploy.md says how to configure and run it; compose.yaml runs
# two instances on PostgreSQL.
#
#   docker build -t convene .
#   docker run --rm -e SLACK_BOT_TOKEN=... -e SLACK_APP_TOKEN=... \
#       -e CONVENE_ADAPTERS=slack -v convene-data:/var/lib/convene convene

# -- build: the package and its dependencies, into a virtual environment ----------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python -m venv /opt/convene
WORKDIR /src
# Every dependency ships a wheel for CPython 3.11 on Linux: no compiler in the image.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY handlers ./handlers
COPY storage ./storage
RUN /opt/convene/bin/pip install --only-binary=:all: --no-binary=convene . \
    && /opt/convene/bin/convene --version

# -- run: the environment alone, owned by root, run by "convene" -------------------------
FROM python:3.11-slim

RUN groupadd --system --gid 10001 convene \
    && useradd --system --uid 10001 --gid convene --home-dir /var/lib/convene \
        --create-home --shell /usr/sbin/nologin convene

COPY --from=build /opt/convene /opt/convene

# [http] port: /healthz, /readyz and /metrics (docs/deploy.md). Slack's HTTP mode
# listens on [slack] http_port (3000) when CONVENE_SLACK_MODE=http.
ENV PATH=/opt/convene/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CONVENE_HTTP_HOST=0.0.0.0 \
    CONVENE_HTTP_PORT=8080

# The working directory holds a SQLite database (the default), its log and files;
# on PostgreSQL nothing is written here but matplotlib's font cache.
WORKDIR /var/lib/convene
VOLUME ["/var/lib/convene"]
USER convene:convene
EXPOSE 8080 3000

# Alive: the event loop answers. (compose.yaml asks /readyz instead, to hold back
# what depends on a ready instance.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CONVENE_HTTP_PORT', '8080'), timeout=4)"]

# SIGTERM (docker stop) is a clean stop: claimed messages are handed back first.
STOPSIGNAL SIGTERM
ENTRYPOINT ["convene"]
CMD ["run"]
