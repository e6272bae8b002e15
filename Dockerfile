# The medcred controllers' image: one image, three roles (docker-compose.yml picks the command).
#
#   issuer:   uvicorn --factory issuer:create_app   --host 0.0.0.0 --port 8001
#   holder:   uvicorn --factory holder:create_app   --host 0.0.0.0 --port 8002
#   verifier: medcred-verifier-start  (docker/verifier-start.sh: the hospital's DID, then uvicorn on 8003)
#
# Configured only through MEDCRED_<ROLE>_* environment variables; state (the role's SQLite store) lives
# in /data, a volume. The ACA-Py agents, the ledger and the tails server run from their own published
# images, not this one.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    MEDCRED_HOME=/data

RUN python -m venv /opt/venv

# The pinned environment first (its layer is reused until requirements/app.txt changes), then the project
# itself without dependencies: requirements/app.txt already is its complete environment.
WORKDIR /src
COPY requirements/app.txt requirements/app.txt
RUN pip install -r requirements/app.txt
COPY pyproject.toml ./
COPY medcred medcred
COPY ledger ledger
COPY audit audit
COPY agents agents
COPY holder holder
COPY issuer issuer
COPY verifier verifier
COPY stack stack
RUN pip install --no-deps . && rm -rf /src

COPY docker/issuer_did.py /usr/local/bin/medcred-issuer-did
COPY docker/verifier-start.sh /usr/local/bin/medcred-verifier-start
RUN chmod 0755 /usr/local/bin/medcred-issuer-did /usr/local/bin/medcred-verifier-start \
    && groupadd --system --gid 10001 medcred \
    && useradd --system --uid 10001 --gid medcred --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin medcred \
    && mkdir -p /data /shared /app \
    && chown medcred:medcred /data /shared \
    && chmod 0700 /data

# /data and /shared exist in the image owned by medcred, so named volumes mounted there start out
# writable by it. /app is an empty working directory (uvicorn puts the working directory on sys.path).
USER medcred
WORKDIR /app
EXPOSE 8001 8002 8003
CMD ["uvicorn", "--factory", "issuer:create_app", "--host", "0.0.0.0", "--port", "8001"]
