"""Plugin base classes fail at definition time when incomplete; options reject unknown keys."""

from __future__ import annotations

import pytest

import secureops
from secureops import ConfigError
from tests.core.plugin_samples import EchoScanner


def test_scanner_without_command_or_run_fails_at_definition() -> None:
    with pytest.raises(TypeError, match="must implement command\\(\\) or run\\(\\)"):

        class Nothing(secureops.Scanner):
            name = "nothing"
            report_format = "x"
            target_kinds = frozenset({secureops.TargetKind.HOST})


def test_scanner_missing_metadata_names_it() -> None:
    with pytest.raises(TypeError, match="report_format"):

        class NoFormat(secureops.Scanner):
            name = "noformat"
            target_kinds = frozenset({secureops.TargetKind.HOST})

            def command(self, target: secureops.Target, options: object) -> secureops.CommandSpec:
                return secureops.CommandSpec(argv=["true"])


def test_importer_identity_fields_must_be_finding_fields() -> None:
    with pytest.raises(TypeError, match="identity_fields"):

        class Bad(secureops.Importer):
            name = "bad"
            formats = ("bad",)
            identity_fields = ("not_a_field",)

            def parse(self, stream, context):  # type: ignore[no-untyped-def]
                return iter(())


def test_importer_may_not_use_fingerprint_as_identity() -> None:
    with pytest.raises(TypeError, match="fingerprint"):

        class Circular(secureops.Importer):
            name = "circular"
            formats = ("circular",)
            identity_fields = ("fingerprint",)

            def parse(self, stream, context):  # type: ignore[no-untyped-def]
                return iter(())


def test_options_reject_unknown_keys_with_the_plugin_name() -> None:
    with pytest.raises(ConfigError, match="invalid options for 'echo': prefx: Extra inputs are not permitted"):
        EchoScanner().parse_options({"prefx": "typo"})
    assert EchoScanner().parse_options({"prefix": "p"}).prefix == "p"


def test_wrong_target_kind_is_refused() -> None:
    with pytest.raises(secureops.TargetError, match="accepts host targets, not url"):
        EchoScanner().check_target(secureops.Target.parse("http://127.0.0.1/"))


def test_command_spec_needs_something_to_run() -> None:
    with pytest.raises(ValueError, match="argv, an image"):
        secureops.CommandSpec()
    with pytest.raises(ValueError):
        secureops.CommandSpec(argv=["nmap"], output_file="../escape.xml")


def test_decisions_carry_their_arguments() -> None:
    with pytest.raises(ValueError, match="needs a priority"):
        secureops.Decision(fingerprint="f", action="prioritise", reason="EPSS 0.9")
    decision = secureops.Decision(fingerprint="f", action="set_severity", reason="KEV", severity="Critical")
    assert decision.severity is secureops.Severity.CRITICAL


def test_tier_table_defaults_and_unknown_tier() -> None:
    tiers = secureops.TierTable()
    assert [tiers.concurrency(name) for name in ("basic", "pro", "enterprise")] == [2, 10, 50]
    with pytest.raises(ConfigError, match="unknown tier 'gold'"):
        tiers.concurrency("gold")
