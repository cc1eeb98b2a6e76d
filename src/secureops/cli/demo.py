"""``secureops demo``: the quick start on embedded defaults — plugins, a real scan of a loopback server, findings.

It starts a small, deliberately misconfigured HTTP server on 127.0.0.1, runs the ``headers`` scanner from the
``custom_example`` plugin against it through the host's local runtime, parses the report with the plugin's
importer and prints the findings. Nothing leaves this machine; no server needs to be installed.
"""

from __future__ import annotations

import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import typer

from secureops.cli.app import State, app, console, fail
from secureops.cli.parse import _print_table
from secureops.cli.plugins import list_plugins
from secureops.core.drivers import load_driver
from secureops.core.scanning import run_scanner
from secureops.core.targets import Target, TargetKind
from secureops.importer.parse import parse_report

DEMO_SCANNER = "headers"


class _WeakHeadersHandler(BaseHTTPRequestHandler):
    """Answers every GET with a page that lacks the usual security headers and leaks its server version."""

    server_version = "DemoServer/1.0"

    def do_GET(self) -> None:
        body = b"<html><body>SecureOps demo target</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("X-Powered-By", "PHP/5.6.40")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep the demo's output clean
        return


@app.command()
def demo(ctx: typer.Context) -> None:
    """Run the quick-start demo: list plugins, scan a loopback HTTP server, print the findings."""
    state: State = ctx.obj
    list_plugins(ctx, as_json=False)
    if DEMO_SCANNER not in state.registry.scanners:
        fail(f"the demo needs the {DEMO_SCANNER!r} scanner (plugins/custom_example); install it first")
    scanner = state.registry.scanner(DEMO_SCANNER)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WeakHeadersHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        target = Target(kind=TargetKind.URL, value=f"http://127.0.0.1:{server.server_port}/")
        console.print(f"\nScanning [bold]{target}[/bold] with [bold]{scanner.name}[/bold] …")
        runtime = load_driver("runtime", state.settings)
        with tempfile.TemporaryDirectory(prefix="secureops-demo-") as workdir:
            report = run_scanner(scanner, target, {}, runtime, Path(workdir))
            parsed = parse_report(state.registry, report.open(), format=report.format, filename=report.filename)
            findings = list(parsed.findings)
    finally:
        server.shutdown()
        server.server_close()
    _print_table(findings, f"{target}: {len(findings)} findings ({parsed.format})")
