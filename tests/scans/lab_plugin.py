"""Source of the ``lab`` test plugin: a command-spec scanner whose behaviour the test picks, and its importer.

Installed for each test as a real distribution with an entry point (tests/conftest.py ``make_distribution``), so
in-process and subprocess workers discover it exactly as they discover any third-party plugin.
"""

SOURCE = """
import secureops

# What the lab scanner's shell does in each mode. The report format is one "FINDING <severity> <title>" a line.
SCRIPTS = {
    "ok": "echo 'FINDING High weak cipher'; echo 'FINDING Low banner disclosed'",
    "slow": "sleep \\"$1\\"; echo 'FINDING High weak cipher'; echo 'FINDING Low banner disclosed'",
    "hang": "sleep 3600",
    "flood": "yes 'FINDING Info flood'",
    "crash": "echo 'scanner exploded' >&2; exit 3",
    "garbage": "echo 'not a lab report'",
}


class LabScanner(secureops.Scanner):
    name = "lab"
    report_format = "lab-lines"
    target_kinds = frozenset({secureops.TargetKind.HOST, secureops.TargetKind.URL})
    default_timeout = 60.0

    class Options(secureops.Options):
        mode: str = "ok"
        seconds: float = 0.0
        image: str = "local/busybox:latest"

    def command(self, target, options):
        argv = ["sh", "-c", SCRIPTS[options.mode], "lab", str(options.seconds)]
        return secureops.CommandSpec(argv=argv, image=options.image, image_argv=argv,
                                     resources=secureops.Resources(cpus=1, memory_mb=64))


class BrokenScanner(LabScanner):
    name = "broken"

    def command(self, target, options):
        raise RuntimeError("plugin bug")


class LabImporter(secureops.Importer):
    name = "lab"
    formats = ("lab-lines",)
    identity_fields = ("title",)

    def detect(self, head, filename):
        return "lab-lines" if head.startswith(b"FINDING ") else None

    def parse(self, stream, context):
        for number, line in enumerate(stream, 1):
            parts = line.decode().split(" ", 2)
            if len(parts) != 3 or parts[0] != "FINDING":
                raise secureops.ReportParseError(f"line {number} is not a lab finding")
            yield secureops.Finding(title=parts[2].strip(), severity=parts[1])


@secureops.hookimpl
def register_scanners(register):
    register(LabScanner())
    register(BrokenScanner())


@secureops.hookimpl
def register_importers(register):
    register(LabImporter())
"""
