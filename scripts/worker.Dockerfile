# The SecureOps scan worker image, built locally by scripts/build-worker-image (no registry).
# FROM a Debian bookworm base imported from debootstrap; every wheel comes from the build context, so pip
# needs no network here (apt does: build with --network host).
FROM local/debian:bookworm

# python3 (3.11 in bookworm) for the worker, nmap for the nmap plugin. No init of our own: the autoscaler
# runs containers with init=True.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv nmap ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN python3 -m venv /opt/secureops
ENV PATH=/opt/secureops/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

# Dependencies first (changes rarely), then SecureOps and its plugins (changes often): a cached layer each.
COPY deps/ /tmp/deps/
RUN pip install --no-cache-dir --no-index --find-links /tmp/deps -r /tmp/deps/requirements.txt && rm -rf /tmp/deps
COPY local/ /tmp/local/
RUN pip install --no-cache-dir --no-index --no-deps /tmp/local/*.whl && rm -rf /tmp/local

RUN useradd --system --create-home --home-dir /var/lib/secureops secureops
USER secureops
WORKDIR /var/lib/secureops
ENTRYPOINT ["secureops"]
CMD ["worker"]
