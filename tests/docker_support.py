"""A Docker engine and small local images for tests (no registry here: images are built from local files).

``scripts/services`` starts the engine; these helpers only connect and fail loudly when it is not there.
"""

from __future__ import annotations

import io
import shutil
import tarfile
from typing import Any

import pytest

BUSYBOX_IMAGE = "local/busybox:latest"
_APPLETS = ("sh", "echo", "sleep", "cat", "yes", "head", "env", "dd", "true", "id")


def docker_client() -> Any:
    """A client for the local engine; fails the test (never skips) when the engine is down."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as err:
        pytest.fail(f"Docker engine not reachable ({err}); start it with scripts/services")
    return client


def ensure_busybox_image(client: Any) -> str:
    """Import a busybox image from the host's static busybox binary unless it exists already (cached)."""
    import docker

    try:
        client.images.get(BUSYBOX_IMAGE)
        return BUSYBOX_IMAGE
    except docker.errors.ImageNotFound:
        pass
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.fail("busybox-static is not installed; scripts/services installs it")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(busybox, arcname="bin/busybox")
        for applet in _APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        tmp = tarfile.TarInfo("tmp")
        tmp.type, tmp.mode = tarfile.DIRTYPE, 0o1777
        tar.addfile(tmp)
    client.api.import_image_from_data(
        buffer.getvalue(), repository="local/busybox", tag="latest", changes=['CMD ["/bin/sh"]']
    )
    return BUSYBOX_IMAGE
