"""Where the autoscaler's workers run: drivers of the ``secureops.autoscaler`` entry-point group.

``local`` (worker processes on this machine, the embedded default) and ``docker`` (labelled containers);
the interface a Kubernetes backend implements is :class:`~secureops.autoscaler.backends.base.WorkerBackend`
(see docs/autoscaler.md).
"""

from secureops.autoscaler.backends.base import WorkerBackend, WorkerHandle, worker_env

__all__ = ["WorkerBackend", "WorkerHandle", "worker_env"]
