"""``secureops.testing`` works as a pytest plugin for plugin authors (run in a separate pytest via pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

PLUGIN_TEST = """
import io
import secureops
from secureops.testing import check_importer_conformance


class WordImporter(secureops.Importer):
    name = "words"
    formats = ("words",)
    identity_fields = ("title",)

    def detect(self, head, filename):
        return "words" if head.startswith(b"WORDS") else None

    def parse(self, stream, context):
        for word in stream.read().decode().split()[1:]:
            yield secureops.Finding(title=word, severity="Low")


class WordPlugin:
    @secureops.hookimpl
    def register_importers(self, register):
        register(WordImporter())


def test_fresh_manager_fixture(secureops_pm):
    assert secureops_pm.has_plugin("log-notifier")
    secureops_pm.register(WordPlugin(), name="words")


def test_registry_factory_fixture(secureops_registry_for):
    registry = secureops_registry_for(("words", WordPlugin()))
    assert registry.importer_for("words").name == "words"


def test_conformance_passes():
    result = check_importer_conformance(WordImporter(), b"WORDS alpha beta")
    assert len(result.fingerprints) == 2


def test_conformance_catches_shared_identities():
    check_importer_conformance(WordImporter(), b"WORDS alpha alpha")
"""


def test_fixtures_and_conformance_in_a_plugin_authors_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plugin=PLUGIN_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*fingerprints are shared by several findings*"])
