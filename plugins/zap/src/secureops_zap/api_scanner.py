"""Drive a running ZAP daemon through its API: spider, optional AJAX spider, active scan, then save the alerts.

The daemon's URL and API key are the scanner's options (plugins never read the environment). Each blocking
``zapv2`` call runs in a worker thread with a per-request timeout (see :mod:`secureops_zap.api_client`), the
waits poll the daemon's status and report progress through ``context.progress``, and a cancelled or timed-out
scan asks the daemon to stop what it started. Every failure — unreachable daemon, refused key, refused scan —
is a :class:`secureops.ScanError` with the daemon's own reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import Field, SecretStr

import secureops
from secureops import RawReport, Resources, ScanContext, ScanError, SecureopsError, Target, TargetKind
from secureops_zap.options import Name, UrlValue

if TYPE_CHECKING:
    from secureops_zap.api_client import ZapClient

__all__ = ["ZapApiScanner"]

log = logging.getLogger(__name__)

T = TypeVar("T")
_ALERT_PAGE = 1000


class ZapApiOptions(secureops.Options):
    """Where the daemon is and what to run. Phases run in order: spider, AJAX spider, passive wait, active scan."""

    api_url: UrlValue = Field(description="Base URL of the ZAP daemon's API, e.g. http://127.0.0.1:8080.")
    api_key: SecretStr | None = Field(default=None, description="The daemon's API key (api.key); None if disabled.")
    verify_tls: bool = Field(default=True, description="Verify the daemon's certificate when api_url is https.")
    request_timeout: float = Field(default=60.0, gt=0, le=3600, description="Seconds to wait for one API call.")
    poll_interval: float = Field(default=2.0, gt=0, le=60, description="Seconds between status polls.")
    spider: bool = True
    spider_max_children: int | None = Field(default=None, ge=1, le=100_000)
    ajax_spider: bool = False
    ajax_spider_minutes: int = Field(default=5, ge=1, le=1440)
    active_scan: bool = True
    scan_policy: Name | None = Field(default=None, description="Active-scan policy defined in the daemon.")
    context_name: Name | None = Field(default=None, description="Context (scope + authentication) in the daemon.")
    context_file: str | None = Field(
        default=None,
        pattern=r"^/?[A-Za-z0-9._][A-Za-z0-9._/-]{0,511}$",
        description="Context file on the daemon's host to import first (it defines context_name).",
    )
    user_name: Name | None = Field(default=None, description="User of the context to scan as (authenticated scan).")
    new_session: bool = Field(default=False, description="Start a fresh ZAP session first (drops earlier results).")
    report: Literal["alerts", "traditional-json"] = Field(
        default="alerts", description="Save the target's alerts (zap-alerts-json) or the whole jsonreport (zap-json)."
    )


class ZapApiScanner(secureops.Scanner):
    """Scan a URL with a running ZAP daemon through the ``zaproxy`` (zapv2) API client."""

    name = "zap-daemon"
    description = "OWASP ZAP via a running daemon's API: spider, AJAX spider, active scan, alerts"
    report_format = "zap-alerts-json"
    target_kinds: ClassVar[frozenset[TargetKind]] = frozenset({TargetKind.URL})
    default_timeout = 4 * 3600.0
    resources: ClassVar[Resources] = Resources(cpus=0.5, memory_mb=512)  # ZAP itself runs elsewhere

    class Options(ZapApiOptions):
        """Options of the daemon-driven scan."""

    async def run(self, target: Target, options: ZapApiOptions, context: ScanContext) -> RawReport:
        """Run the phases against ``target`` and return the saved report (a file in ``context.workdir``)."""
        self.check_target(target)  # before any request
        if options.user_name and not options.context_name:
            raise ScanError("user_name needs context_name: users are defined inside a ZAP context")
        # Imported here: loading the plugin (e.g. only to parse reports) should not need the HTTP client stack.
        from secureops_zap.api_client import ZapClient

        key = options.api_key.get_secret_value() if options.api_key else None
        client = ZapClient(options.api_url, key, timeout=options.request_timeout, verify_tls=options.verify_tls)
        try:
            async with asyncio.timeout(context.timeout):
                return await _Scan(client, target.value, options, context).run()
        except TimeoutError:
            raise ScanError(f"the ZAP scan of {target.value} timed out after {context.timeout:g}s") from None
        finally:
            client.close()


class _Scan:
    """One scan's state: the daemon's ids of what it started, so that cancelling can stop them."""

    def __init__(self, zap: ZapClient, url: str, options: ZapApiOptions, context: ScanContext) -> None:
        self.zap, self.url, self.options, self.context = zap, url, options, context
        self.spider_id: str | None = None
        self.ascan_id: str | None = None
        self.ajax_running = False
        phases = [options.spider, options.ajax_spider, options.active_scan]
        self.share = 90.0 / max(1, sum(phases) + 1)  # the passive-scan wait gets a share too
        self.done = 0.0

    async def run(self) -> RawReport:
        try:
            version = await self.call("read the ZAP version", lambda: self.zap.core.version)  # a property in zapv2
            _expect(version, lambda v: v[:1].isdigit() or v.startswith("D-"), "its version")
            log.info("ZAP %s at %s", version, self.zap.api_url)
            self.progress(0.0, f"connected to ZAP {version}")
            context_id, user_id = await self.prepare()
            if self.options.spider:
                await self.spider(context_id, user_id)
            if self.options.ajax_spider:
                await self.ajax_spider()
            await self.passive_wait()
            if self.options.active_scan:
                await self.active_scan(context_id, user_id)
            self.progress(95.0, "saving the report")
            report = await self.save_report()
            self.progress(100.0, "done")
            return report
        except asyncio.CancelledError:
            await asyncio.shield(self.stop())
            raise

    # --- phases -------------------------------------------------------------------------------------------------

    async def prepare(self) -> tuple[str | None, str | None]:
        opts, zap = self.options, self.zap
        if opts.new_session:
            await self.call("start a new session", zap.core.new_session, overwrite="true")
        if opts.context_file:
            await self.call("import the context file", zap.context.import_context, opts.context_file)
        # Like the packaged scans, request the target once first: it puts the site in ZAP's tree (an active scan
        # of a URL ZAP has never seen is refused) and fails early when ZAP cannot reach it.
        await self.call("access the target", zap.core.access_url, self.url, "true")
        if not opts.context_name:
            return None, None
        info = await self.call("look up the context", zap.context.context, opts.context_name)
        context_id = str(info.get("id", "")) if isinstance(info, dict) else ""
        _expect(context_id, str.isdigit, f"context {opts.context_name!r}")
        if not opts.user_name:
            return context_id, None
        users = await self.call("list the context's users", zap.users.users_list, context_id)
        for user in users if isinstance(users, list) else []:
            if isinstance(user, dict) and user.get("name") == opts.user_name:
                return context_id, str(user.get("id"))
        raise ScanError(f"ZAP context {opts.context_name!r} has no user {opts.user_name!r}")

    async def spider(self, context_id: str | None, user_id: str | None) -> None:
        zap, opts = self.zap, self.options
        children = opts.spider_max_children
        if user_id is not None:
            scan = await self.call(
                "start the spider", zap.spider.scan_as_user, context_id, user_id, self.url, children, "true"
            )
        else:
            scan = await self.call("start the spider", zap.spider.scan, self.url, children, "true", opts.context_name)
        self.spider_id = _expect(scan, str.isdigit, "a spider scan id")
        await self.wait_percent("spidering", lambda: zap.spider.status(self.spider_id))
        self.spider_id = None

    async def ajax_spider(self) -> None:
        zap, opts = self.zap, self.options
        await self.call(
            "set the AJAX spider's duration", zap.ajaxSpider.set_option_max_duration, opts.ajax_spider_minutes
        )
        if self.options.user_name:
            result = await self.call(
                "start the AJAX spider", zap.ajaxSpider.scan_as_user, opts.context_name, opts.user_name, self.url
            )
        else:
            result = await self.call("start the AJAX spider", zap.ajaxSpider.scan, self.url, None, opts.context_name)
        _expect(result, lambda v: v == "OK", "'OK' from the AJAX spider")
        self.ajax_running = True
        start = self.done
        while (status := await self.call("poll the AJAX spider", lambda: zap.ajaxSpider.status)) == "running":
            self.progress(start + self.share / 2, "AJAX spidering")
            await asyncio.sleep(self.options.poll_interval)
        self.ajax_running = False
        self.done = start + self.share
        log.debug("AJAX spider finished: %s", status)

    async def passive_wait(self) -> None:
        start = self.done
        while True:
            left = await self.call("poll the passive scanner", lambda: self.zap.pscan.records_to_scan)
            left = _expect(left, str.isdigit, "a record count")
            if left == "0":
                break
            self.progress(start, f"passive scanning ({left} records left)")
            await asyncio.sleep(self.options.poll_interval)
        self.done = start + self.share

    async def active_scan(self, context_id: str | None, user_id: str | None) -> None:
        zap, opts = self.zap, self.options
        if user_id is not None:
            scan = await self.call(
                "start the active scan", zap.ascan.scan_as_user, self.url, context_id, user_id, "true", opts.scan_policy
            )
        else:
            scan = await self.call(
                "start the active scan",
                zap.ascan.scan,
                self.url,
                "true",
                None,
                opts.scan_policy,
                None,
                None,
                context_id,
            )
        self.ascan_id = _expect(scan, str.isdigit, "an active scan id")
        await self.wait_percent("active scanning", lambda: zap.ascan.status(self.ascan_id))
        self.ascan_id = None

    async def save_report(self) -> RawReport:
        workdir = self.context.workdir
        workdir.mkdir(parents=True, exist_ok=True)
        if self.options.report == "traditional-json":
            text = await self.call("fetch the JSON report", self.zap.core.jsonreport)
            path = workdir / "zap-report.json"
            path.write_text(text, encoding="utf-8")
            return RawReport(format="zap-json", path=path, filename=path.name)
        path = workdir / "zap-alerts.json"
        await self.write_alerts(path)
        return RawReport(format="zap-alerts-json", path=path, filename=path.name)

    async def write_alerts(self, path: Path) -> None:
        """Page through the target's alerts, writing ``{"alerts": [...]}`` as they arrive."""
        start = 0
        with path.open("w", encoding="utf-8") as out:
            out.write('{"alerts": [')
            while True:
                page = await self.call("fetch alerts", self.zap.core.alerts, self.url, start, _ALERT_PAGE)
                if not isinstance(page, list):
                    raise ScanError(f"ZAP returned {type(page).__name__} instead of a list of alerts")
                for index, alert in enumerate(page):
                    out.write(("," if start + index else "") + "\n" + json.dumps(alert, separators=(",", ":")))
                start += len(page)
                if len(page) < _ALERT_PAGE:
                    break
            out.write("\n]}\n")
        log.info("saved %d ZAP alerts for %s", start, self.url)

    # --- helpers ------------------------------------------------------------------------------------------------

    async def wait_percent(self, what: str, status: Callable[[], Any]) -> None:
        start = self.done
        while True:
            value = _expect(await self.call(f"poll {what}", status), str.isdigit, "a percentage")
            percent = min(100, int(value))
            self.progress(start + self.share * percent / 100, f"{what} {percent}%")
            if percent >= 100:
                break
            await asyncio.sleep(self.options.poll_interval)
        self.done = start + self.share

    async def call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one blocking zapv2 call in a thread; anything but a ScanError becomes one naming ``what``."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except SecureopsError:
            raise
        except Exception as err:
            raise ScanError(f"ZAP failed to {what}: {type(err).__name__}: {err}") from err

    def progress(self, percent: float, message: str) -> None:
        try:
            self.context.progress(round(min(100.0, percent), 1), message)
        except Exception:  # a broken progress sink must not fail the scan
            log.debug("progress callback failed", exc_info=True)

    async def stop(self) -> None:
        """Best effort: stop what this scan started on the daemon (it would otherwise keep attacking)."""
        stops: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = []
        if self.spider_id is not None:
            stops.append(("stop the spider", self.zap.spider.stop, (self.spider_id,)))
        if self.ajax_running:
            stops.append(("stop the AJAX spider", self.zap.ajaxSpider.stop, ()))
        if self.ascan_id is not None:
            stops.append(("stop the active scan", self.zap.ascan.stop, (self.ascan_id,)))
        for what, function, args in stops:
            try:
                await self.call(what, function, *args)
            except ScanError as err:
                log.warning("could not %s after cancellation: %s", what, err)


def _expect(value: Any, check: Callable[[str], bool], what: str) -> str:
    """``value`` as a string if ``check`` accepts it; otherwise ZAP answered with an error word, e.g. a key
    refusal a lenient client turned into a result, and the scan fails saying so."""
    text = str(value) if isinstance(value, str | int) else ""
    if text and check(text):
        return text
    if text == "bad_api_key":
        raise ScanError("the ZAP daemon refused the API key (bad_api_key): check the scanner's api_key option")
    raise ScanError(f"ZAP did not return {what}: {value!r}"[:300])
