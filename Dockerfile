# slabridge with the three built-in connectors, as a slim non-root image.
#   docker build -t slabridge:0.1.0 .
#   docker run --rm -v "$PWD/slabridge.yaml:/config/slabridge.yaml:ro" slabridge:0.1.0 check
# The entrypoint is `slabridge`; the default command runs a sync every 5 minutes with metrics
# and /healthz on port 9464 (see docs/scheduling.md).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY slabridge ./slabridge
COPY plugins ./plugins
# Wheels only: the runtime stage installs them without compilers or the source tree.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]" \
        ./plugins/zendesk ./plugins/freshdesk ./plugins/jira

FROM python:3.11-slim
LABEL org.opencontainers.image.title="slabridge" \
      org.opencontainers.image.description="One set of SLA rules, enforced inside the helpdesks you already use." \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels \
        "slabridge[postgres]==0.1.0" slabridge-zendesk==0.1.0 \
        slabridge-freshdesk==0.1.0 slabridge-jira==0.1.0 \
    && useradd --system --uid 10001 --home-dir /var/lib/slabridge --create-home slabridge
USER 10001:10001
WORKDIR /var/lib/slabridge
# The default SQLite state (sqlite:///slabridge.db) lands here; mount a volume to keep it.
VOLUME ["/var/lib/slabridge"]
EXPOSE 9464
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["slabridge"]
CMD ["run", "--config", "/config/slabridge.yaml", "--every", "5m", \
     "--metrics-host", "0.0.0.0", "--metrics-port", "9464"]
