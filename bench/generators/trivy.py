"""Generate a large Trivy JSON report (SchemaVersion 2, as ``trivy image --format json`` writes it).

The mix follows real image reports: OS-package results with most of the findings, a language-package
result, a Dockerfile with misconfigurations and a file with secrets. Every field Trivy writes for a
vulnerability is present (references, CVSS from two sources, CWE ids, dates, layer, data source), so the
bytes per finding (~1.7 KB) match real reports. Deterministic: the same count gives the same file.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, TextIO

FORMAT = "trivy-json"

_PACKAGES = ["openssl", "libcurl4", "zlib1g", "libxml2", "glibc", "bash", "apt", "libssh2-1", "perl-base", "tar"]
_SEVERITIES = ["LOW", "MEDIUM", "MEDIUM", "HIGH", "CRITICAL", "UNKNOWN"]
_STATUSES = ["affected", "fixed", "will_not_fix", "fix_deferred"]


def _vulnerability(index: int, rng: random.Random, lang: bool) -> dict[str, Any]:
    package = f"{rng.choice(_PACKAGES)}{index % 50}" if not lang else f"pypkg{index % 200}"
    cve = f"CVE-{2015 + index % 10}-{10000 + index}"
    version = f"{index % 7}.{index % 13}.{index % 5}-{index % 3}"
    vuln: dict[str, Any] = {
        "VulnerabilityID": cve,
        "PkgID": f"{package}@{version}",
        "PkgName": package,
        "PkgIdentifier": {"PURL": f"pkg:deb/debian/{package}@{version}?arch=amd64&distro=debian-12"},
        "InstalledVersion": version,
        "FixedVersion": f"{version}+deb12u1" if index % 3 else "",
        "Status": rng.choice(_STATUSES),
        "Layer": {"DiffID": "sha256:" + f"{index:064x}"[-64:]},
        "SeveritySource": "nvd",
        "PrimaryURL": f"https://avd.aquasec.com/nvd/{cve.lower()}",
        "DataSource": {
            "ID": "debian",
            "Name": "Debian Security Tracker",
            "URL": "https://salsa.debian.org/security-tracker-team/security-tracker",
        },
        "Title": f"{package}: out-of-bounds write in parser component number {index}",
        "Description": (
            f"An issue was discovered in {package} before {version}. A crafted input can cause an out-of-bounds "
            "write, which may lead to a denial of service or possibly arbitrary code execution. "
            "This affects every release in the stable series before the fixed version."
        ),
        "Severity": rng.choice(_SEVERITIES),
        "CweIDs": ["CWE-787"] if index % 4 else ["CWE-787", "CWE-125"],
        "VendorSeverity": {"debian": 1, "nvd": 3, "redhat": 2},
        "CVSS": {
            "nvd": {
                "V2Vector": "AV:N/AC:M/Au:N/C:N/I:N/A:P",
                "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
                "V2Score": 4.3,
                "V3Score": 6.5,
            },
            "redhat": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H", "V3Score": 8.6},
        },
        "References": [
            f"https://access.redhat.com/security/cve/{cve}",
            f"https://nvd.nist.gov/vuln/detail/{cve}",
            f"https://security-tracker.debian.org/tracker/{cve}",
            f"https://ubuntu.com/security/notices/USN-{index % 9000}-1",
        ],
        "PublishedDate": "2023-06-13T17:15:00Z",
        "LastModifiedDate": "2024-01-05T10:00:00Z",
    }
    if lang:
        vuln["PkgPath"] = f"usr/lib/python3/dist-packages/{package}-{version}.dist-info/METADATA"
    return vuln


def _write_list(out: TextIO, items: list[dict[str, Any]] | Any) -> None:
    out.write("[")
    for position, item in enumerate(items):
        if position:
            out.write(",")
        out.write(json.dumps(item, indent=None))
    out.write("]")


def _vulnerabilities(start: int, stop: int, rng: random.Random, lang: bool) -> Any:
    return (_vulnerability(index, rng, lang) for index in range(start, stop))


def generate(path: Path, count: int) -> None:
    """Write a report with exactly ``count`` findings to ``path``, streaming (never all in memory)."""
    rng = random.Random(count)
    misconfigs = min(count, max(0, count // 200))
    secrets = min(count - misconfigs, max(0, count // 500))
    vulns = count - misconfigs - secrets
    lang = vulns // 5
    with path.open("w") as out:
        out.write('{"SchemaVersion": 2, "CreatedAt": "2026-11-29T12:00:00Z", "ArtifactName": "shop/web:1.4.2", ')
        out.write('"ArtifactType": "container_image", "Metadata": {"OS": {"Family": "debian", "Name": "12.5"}, ')
        out.write('"ImageID": "sha256:0c6a1f3b", "RepoTags": ["shop/web:1.4.2"]}, "Results": [')
        out.write(
            '{"Target": "shop/web:1.4.2 (debian 12.5)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": '
        )
        _write_list(out, _vulnerabilities(0, vulns - lang, rng, lang=False))
        out.write('}, {"Target": "Python", "Class": "lang-pkgs", "Type": "python-pkg", "Vulnerabilities": ')
        _write_list(out, _vulnerabilities(vulns - lang, vulns, rng, lang=True))
        out.write('}, {"Target": "Dockerfile", "Class": "config", "Type": "dockerfile", ')
        out.write(f'"MisconfSummary": {{"Successes": 20, "Failures": {misconfigs}}}, "Misconfigurations": ')
        _write_list(
            out,
            (
                {
                    "Type": "Dockerfile Security Check",
                    "ID": f"DS-{index:04d}",
                    "Title": f"Check number {index}",
                    "Description": "Running containers with 'root' user can lead to a container escape situation.",
                    "Message": "Specify at least 1 USER command in Dockerfile with non-root user as argument",
                    "Namespace": f"builtin.dockerfile.DS{index:03d}",
                    "Resolution": "Add 'USER <non root user name>' line",
                    "Severity": rng.choice(_SEVERITIES[:-1]),
                    "PrimaryURL": f"https://avd.aquasec.com/misconfig/ds-{index:04d}",
                    "References": [f"https://avd.aquasec.com/misconfig/ds-{index:04d}"],
                    "Status": "FAIL",
                    "CauseMetadata": {
                        "Provider": "Dockerfile",
                        "Service": "general",
                        "StartLine": 1 + index % 40,
                        "EndLine": 1 + index % 40,
                        "Code": {
                            "Lines": [{"Number": 1 + index % 40, "Content": "FROM debian:latest", "IsCause": True}]
                        },
                    },
                }
                for index in range(misconfigs)
            ),
        )
        out.write('}, {"Target": "srv/app/settings.env", "Class": "secret", "Secrets": ')
        _write_list(
            out,
            (
                {
                    "RuleID": "aws-access-key-id",
                    "Category": "AWS",
                    "Severity": "CRITICAL",
                    "Title": "AWS Access Key ID",
                    "StartLine": index + 1,
                    "EndLine": index + 1,
                    "Match": f"key_{index}=********************",
                }
                for index in range(secrets)
            ),
        )
        out.write("}]}\n")


def baseline(path: Path) -> int:
    """The naive way (DefectDojo's): ``json.load`` the whole report, then convert every item.

    Uses the plugin's own converters so that the ratio isolates reading strategy, not field mapping.
    """
    from secureops_trivy.convert import (
        ResultContext,
        license_finding,
        misconfiguration_finding,
        secret_finding,
        vulnerability_finding,
    )

    converters = {
        "Vulnerabilities": vulnerability_finding,
        "Misconfigurations": misconfiguration_finding,
        "Secrets": secret_finding,
        "Licenses": license_finding,
    }
    with path.open("rb") as handle:
        document = json.load(handle)
    findings = []  # held, as a load-everything parser returns them: a list
    for result in document["Results"]:
        ctx = ResultContext(target=result.get("Target"), klass=result.get("Class"), type=result.get("Type"))
        for key, convert in converters.items():
            for item in result.get(key) or []:
                finding = convert(item, ctx)
                if finding is not None:
                    findings.append(finding)
    return len(findings)
