"""The plugin host: discovery through entry points, isolation of broken plugins, allow/deny lists, strict mode."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

import secureops
from secureops.core.plugins import get_plugin_manager
from secureops.core.registry import build_registry
from secureops.testing import isolated_settings, plugin_registry
from tests.core.plugin_samples import SAMPLE_SOURCE, EchoPlugin

BROKEN_IMPORT = "import module_that_does_not_exist\n"
TYPO_HOOK = """
import secureops

@secureops.hookimpl
def register_scaners(register):
    pass
"""


def test_entry_point_plugin_is_discovered(make_distribution: Callable[..., Path]) -> None:
    make_distribution("secureops-sample", {"sample": "sample_mod"}, {"sample_mod": SAMPLE_SOURCE}, version="2.3")
    pm = get_plugin_manager(isolated_settings(disable_plugin_autoload=False, load_plugins=["sample"]))
    assert pm.has_plugin("sample")
    record = pm.records["sample"]
    assert (record.distribution, record.version, record.error) == ("secureops-sample", "2.3", None)
    assert "sample-json" in build_registry(pm).formats


def test_broken_plugins_are_skipped_with_one_log_line_each(
    make_distribution: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    make_distribution(
        "secureops-mixed",
        {"good": "good_mod", "broken": "broken_mod", "typo": "typo_mod", "missing": "no_such_module"},
        {"good_mod": SAMPLE_SOURCE, "broken_mod": BROKEN_IMPORT, "typo_mod": TYPO_HOOK},
    )
    settings = isolated_settings(disable_plugin_autoload=False, load_plugins=["good", "broken", "typo", "missing"])
    with caplog.at_level(logging.ERROR, logger="secureops.core.plugins"):
        pm = get_plugin_manager(settings)
    assert pm.has_plugin("good")
    assert not pm.has_plugin("broken") and not pm.has_plugin("typo") and not pm.has_plugin("missing")
    errors = {record.name: record.error for record in pm.load_errors}
    assert "module_that_does_not_exist" in (errors["broken"] or "")
    assert "register_scaners" in (errors["typo"] or "")
    assert "no_such_module" in (errors["missing"] or "")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert all(any(f"'{name}'" in line for line in lines) for name in ("broken", "typo", "missing"))
    assert "sample-json" in build_registry(pm).formats  # the good plugin still works


def test_strict_mode_reraises_naming_the_plugin(make_distribution: Callable[..., Path]) -> None:
    make_distribution("secureops-broken", {"broken": "broken_mod"}, {"broken_mod": BROKEN_IMPORT})
    settings = isolated_settings(disable_plugin_autoload=False, load_plugins=["broken"], strict_plugins=True)
    with pytest.raises(secureops.PluginError, match="plugin 'broken'"):
        get_plugin_manager(settings)


def test_deny_list_blocks_entry_points_and_defaults(make_distribution: Callable[..., Path]) -> None:
    make_distribution("secureops-sample", {"sample": "sample_mod"}, {"sample_mod": SAMPLE_SOURCE})
    settings = isolated_settings(
        disable_plugin_autoload=False, load_plugins=["sample"], disable_plugins=["sample", "log-notifier"]
    )
    pm = get_plugin_manager(settings)
    assert not pm.has_plugin("sample")
    assert not pm.has_plugin("log-notifier")


def test_allow_list_loads_only_named_plugins(make_distribution: Callable[..., Path]) -> None:
    make_distribution(
        "secureops-two", {"one": "one_mod", "two": "two_mod"}, {"one_mod": SAMPLE_SOURCE, "two_mod": BROKEN_IMPORT}
    )
    pm = get_plugin_manager(isolated_settings(disable_plugin_autoload=False, load_plugins=["one"]))
    assert pm.has_plugin("one")
    assert "two" not in pm.records  # never even imported


def test_autoload_can_be_disabled(make_distribution: Callable[..., Path]) -> None:
    make_distribution("secureops-sample", {"sample": "sample_mod"}, {"sample_mod": SAMPLE_SOURCE})
    pm = get_plugin_manager(isolated_settings(disable_plugin_autoload=True))
    assert not pm.has_plugin("sample")
    assert pm.has_plugin("log-notifier")  # host defaults still load


def test_settings_lists_accept_commas_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECUREOPS_DISABLE_PLUGINS", "zap, nikto")
    assert isolated_settings().disable_plugins == ["zap", "nikto"]


def test_plugin_objects_are_attributed_to_their_plugin() -> None:
    registry = plugin_registry(("echo", EchoPlugin()))
    assert registry.scanners["echo"].plugin == "echo"
    assert registry.kinds_of("echo") == ["scanner", "importer"]
    assert registry.kinds_of("log-notifier") == ["notifier"]


def test_registering_a_taken_name_names_both_plugins(caplog: pytest.LogCaptureFixture) -> None:
    registry = plugin_registry(("first", EchoPlugin()), ("second", EchoPlugin()))
    assert registry.scanners["echo"].plugin == "first"
    assert "already registered by plugin 'first'" in registry.errors["second"]
    assert all(r.plugin == "first" for r in registry.formats.values() if r.obj.name == "lines")


def test_register_refuses_wrong_types() -> None:
    class Bad:
        @secureops.hookimpl
        def register_scanners(self, register: Callable[[object], None]) -> None:
            register("not a scanner")

    registry = plugin_registry(("bad", Bad()))
    assert "not a Scanner instance" in registry.errors["bad"]
    assert "bad" not in {r.plugin for r in registry.scanners.values()}


def test_failing_hook_skips_only_that_plugin() -> None:
    class Exploding:
        @secureops.hookimpl
        def register_importers(self, register: Callable[[object], None]) -> None:
            raise RuntimeError("boom")

    registry = plugin_registry(("exploding", Exploding()), ("echo", EchoPlugin()))
    assert "boom" in registry.errors["exploding"]
    assert "echo" in registry.scanners


def test_unknown_names_list_what_is_installed() -> None:
    registry = plugin_registry(("echo", EchoPlugin()))
    with pytest.raises(KeyError, match="installed: echo"):
        registry.scanner("nmap")
    with pytest.raises(secureops.UnknownFormatError, match="installed formats: echo-text"):
        registry.importer_for("nmap-xml")
