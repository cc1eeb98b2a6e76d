"""The four plugin kinds: what a scanner, an importer, a notifier and a triager must provide.

Plugins subclass these and hand instances to the ``register`` callback of their registration hook (see
:mod:`secureops.core.hookspecs`). Instances are shared by every scan and tenant, so they keep no per-use state:
per-use settings arrive as validated ``options``.

A class that forgets a required attribute fails when it is *defined*, with a message naming the attribute,
not halfway through a scan.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secureops.core.errors import ConfigError, TargetError
from secureops.core.findings import Finding
from secureops.core.reports import Decision, Event, ParseContext, RawReport, TriageContext
from secureops.core.targets import Target, TargetKind

__all__ = [
    "CommandSpec",
    "Importer",
    "Notifier",
    "Options",
    "Resources",
    "ScanContext",
    "Scanner",
    "Triager",
]


class Options(BaseModel):
    """Base class of every plugin's options model. Unknown keys are rejected, so typos fail loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Resources(BaseModel):
    """CPU and memory a scan may use. The seed's default worker is 2 CPUs and 4 GB."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cpus: float = Field(default=2.0, gt=0, le=64)
    memory_mb: int = Field(default=4096, ge=16, le=1_048_576)


class CommandSpec(BaseModel):
    """How to run a scanner program; the host's runtime (local process or Docker) executes it.

    ``argv`` runs a locally installed binary; ``image`` runs the same tool in a container, with ``image_argv`` as
    the container's command (appended to the image's entrypoint, as ``docker run IMAGE ARGS…`` does; when unset,
    ``argv`` is used). Give either or both; the runtime picks what it can run. Arguments are always a list and
    never pass through a shell. Two placeholders are replaced by the runtime inside any argument:

    - ``{output}``: the path of the report file the tool should write (``output_file`` inside the workdir);
    - ``{workdir}``: the scan's private working directory (``container_workdir`` inside a container).

    With ``output_file`` unset, the tool's standard output is the report.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    argv: list[str] | None = Field(default=None, min_length=1)
    image: str | None = None
    image_argv: list[str] | None = None
    env: dict[str, str] = Field(default_factory=dict)
    output_file: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]+$")
    container_workdir: str = Field(
        default="/work",
        pattern=r"^/[A-Za-z0-9._/-]*$",
        description="Where the Docker runtime mounts the work directory (an image may insist, e.g. /zap/wrk).",
    )
    timeout: float = Field(default=3600.0, gt=0)
    resources: Resources = Field(default_factory=Resources)
    ok_exit_codes: tuple[int, ...] = (0,)

    def model_post_init(self, __context: Any) -> None:
        if self.argv is None and self.image is None:
            raise ValueError("a CommandSpec needs argv, an image, or both")


@dataclass
class ScanContext:
    """What a scanner's :meth:`Scanner.run` gets from the host besides target and options."""

    workdir: Path
    timeout: float
    progress: Callable[[float, str], None] = field(default=lambda percent, message: None)
    """Report progress: ``progress(42.0, "spidering")``; the host turns it into ``scans/progress`` events."""


class _Named(abc.ABC):
    """Shared checks for the plugin kinds: a ``name`` and validated options."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    _required: ClassVar[tuple[str, ...]] = ("name",)
    _abstract_base: ClassVar[bool] = True

    class Options(Options):
        """No options."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A base meant for further subclassing says so with ``_abstract_base = True`` in its own body.
        if cls.__dict__.get("_abstract_base", False):
            return
        missing = [attr for attr in cls._required if not hasattr(cls, attr)]
        if missing:
            raise TypeError(f"{cls.__qualname__} must define {', '.join(missing)}")

    def parse_options(self, data: Mapping[str, Any] | BaseModel | None = None) -> Any:
        """Validate ``data`` against this plugin's ``Options`` model; return an instance of it.

        ``options`` parameters of plugin methods receive such an instance; annotate them with your own
        ``Options`` class.

        :raises ConfigError: naming the plugin and the offending keys.
        """
        if isinstance(data, self.Options):
            return data
        try:
            return self.Options.model_validate(dict(data or {}))
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in err.errors())
            raise ConfigError(f"invalid options for {self.name!r}: {problems}") from None


class Scanner(_Named):
    """Runs a security tool against a target and produces a :class:`RawReport`.

    Define ``name``, ``report_format`` and ``target_kinds``, then either

    - :meth:`command` — return a :class:`CommandSpec`; the host runs it in its runtime (the usual case), or
    - :meth:`run` — drive an API yourself (e.g. a ZAP daemon) and return the report.

    ``report_format`` links the scanner to the importer that reads its output.
    """

    _abstract_base = True
    _required = ("name", "report_format", "target_kinds")

    report_format: ClassVar[str]
    target_kinds: ClassVar[frozenset[TargetKind]]
    default_timeout: ClassVar[float] = 3600.0
    resources: ClassVar[Resources] = Resources()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_abstract_base", False):
            return
        if cls.command is Scanner.command and cls.run is Scanner.run:
            raise TypeError(f"{cls.__qualname__} must implement command() or run()")

    @property
    def uses_command(self) -> bool:
        """True when the host should execute :meth:`command` rather than call :meth:`run`."""
        return type(self).command is not Scanner.command

    def check_target(self, target: Target) -> None:
        """Refuse a target of a kind this scanner does not accept.

        :raises TargetError: naming the accepted kinds.
        """
        if target.kind not in self.target_kinds:
            kinds = ", ".join(sorted(k.value for k in self.target_kinds))
            raise TargetError(f"scanner {self.name!r} accepts {kinds} targets, not {target.kind.value}")

    def command(self, target: Target, options: Any) -> CommandSpec:
        """Return how to run the tool for ``target`` with validated ``options``. Must not do I/O.

        :raises ScanError: when the combination cannot be run (the message is shown to the user).
        """
        raise NotImplementedError

    async def run(self, target: Target, options: Any, context: ScanContext) -> RawReport:
        """Run an API-driven scan and return its report. Only for scanners that do not use :meth:`command`.

        Called in the worker's event loop; honour ``context.timeout``; report progress through
        ``context.progress``; raise :class:`ScanError` with a clear message on failure.
        """
        raise NotImplementedError


class Importer(_Named):
    """Parses one or more report formats into :class:`Finding` objects, streaming.

    Define ``name``, ``formats`` (format ids, e.g. ``("nmap-xml",)``) and ``identity_fields``: the finding
    fields that identify the same issue across scans (e.g. ``("vuln_id_from_tool", "component_name",
    "file_path")``) — never a field that changes when nothing was fixed, like a description or a version.
    """

    _abstract_base = True
    _required = ("name", "formats", "identity_fields")

    formats: ClassVar[tuple[str, ...]]
    identity_fields: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_abstract_base", False):
            return
        unknown = [f for f in cls.identity_fields if f not in Finding.model_fields or f == "fingerprint"]
        if unknown or not cls.identity_fields:
            raise TypeError(f"{cls.__qualname__}.identity_fields must name Finding fields; bad: {unknown}")

    def detect(self, head: bytes, filename: str | None) -> str | None:
        """Recognise a report from its first bytes (at least 64 KiB when the file is that long).

        :param head: the beginning of the report.
        :param filename: the uploaded file's name, when known; a hint, never proof.
        :return: the format id this importer would parse it as, or ``None``. Must be cheap and never raise.
        """
        return None

    @abc.abstractmethod
    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Finding]:
        """Yield the findings in the report, one at a time, without reading it all into memory when it is big.

        ``context.format`` is the format id being parsed (one of ``formats``).

        :raises ReportParseError: for malformed, truncated, hostile or foreign input, with a one-line reason.
        """


class Notifier(_Named):
    """Delivers events (scan finished, new critical finding …) somewhere people look."""

    _abstract_base = True

    @abc.abstractmethod
    async def send(self, event: Event, options: Any) -> None:
        """Deliver ``event`` using validated ``options`` (e.g. the webhook URL).

        :raises NotifyError: when delivery failed; the host records it and may retry. Never fails a scan.
        """


class Triager(_Named):
    """Proposes decisions about findings: priorities, severity changes, false positives — each with a reason."""

    _abstract_base = True

    @abc.abstractmethod
    async def triage(self, findings: Iterable[Finding], context: TriageContext) -> Iterable[Decision]:
        """Return decisions for some of ``findings`` (each finding has its ``fingerprint`` set).

        Findings without a decision are left alone. Do not modify the findings.
        """
