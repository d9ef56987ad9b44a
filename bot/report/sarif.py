"""SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`) and any other SARIF viewer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot import __version__
from bot.engine.models import Dimension, Finding, PullRequestGrade
from bot.engine.rules import RuleMeta
from bot.report.levels import SECURITY_SEVERITY, sarif_level

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "toasty/v1"
INFORMATION_URI = "https://github.com/toasty-grader/toasty"
_MAX_DESCRIPTION = 1000
_URI_SAFE = "/!$&'()*+,;=@"
"""RFC 3986 pchar characters kept as they are (with unreserved ones): everything else is percent-encoded, `:` too,
which in a relative reference's first segment would read as a scheme."""
_MAX_RESULTS = 5000
"""GitHub keeps the top 5,000 results of a run (by severity); sending more only costs upload size."""


def to_sarif(grade: PullRequestGrade, rules: Mapping[str, RuleMeta], category: str = "toasty") -> dict[str, Any]:
    """A SARIF log with one run: rule metadata, results with stable partialFingerprints."""
    findings = grade.visible_findings[:_MAX_RESULTS]
    used = sorted({f.rule for f in findings} | set(rules))
    index = {rule_id: position for position, rule_id in enumerate(used)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                **_run_header([_rule(rules.get(rule_id), rule_id) for rule_id in used], category),
                "results": [_result(finding, index[finding.rule]) for finding in findings],
                "properties": {
                    "score": grade.score,
                    "grade": grade.grade,
                    "dimensions": {d.value: s.score for d, s in grade.dimensions.items()},
                },
            }
        ],
    }


def stopped_sarif(reason: str, category: str = "toasty") -> dict[str, Any]:
    """A log with one run and no results, saying why nothing was graded: an upload step after Toasty still has a
    valid file to send, and code scanning shows the reason instead of failing a second time."""
    invocation = {
        "executionSuccessful": False,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": reason}}],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{**_run_header([], category), "invocations": [invocation], "results": []}],
    }


def _run_header(rules: list[dict[str, Any]], category: str) -> dict[str, Any]:
    return {
        "tool": {
            "driver": {
                "name": "Toasty",
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"{category}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
    }


def dumps(log: dict[str, Any]) -> str:
    """The log as indented JSON text."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(meta: RuleMeta | None, rule_id: str) -> dict[str, Any]:
    if meta is None:  # a rule known only from a finding (a plugin no longer installed)
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    description = " ".join(part for part in (meta.why, meta.advice) if part) or meta.title
    rule: dict[str, Any] = {
        "id": meta.id,
        "name": _pascal(meta.id),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": description[:_MAX_DESCRIPTION]},
        "help": {"text": description, "markdown": f"**{meta.title}**\n\n{meta.why}\n\n{meta.advice}".strip()},
        "defaultConfiguration": {"level": sarif_level(meta.severity)},
        "properties": {"tags": [meta.dimension.value, "toasty"], "precision": "high"},
    }
    if meta.dimension is Dimension.SECURITY:  # the tag GitHub keys its security severity display on
        rule["properties"]["security-severity"] = SECURITY_SEVERITY[meta.severity]
    return rule


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": sarif_level(finding.severity),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(finding.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": finding.line, "endLine": finding.end_line},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"severity": finding.severity.value, "dimension": finding.dimension.value},
    }
    if finding.scope:
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": finding.scope, "kind": "function"}]
    if finding.value is not None:
        result["properties"]["value"] = finding.value
        result["properties"]["threshold"] = finding.threshold
    return result


def artifact_uri(path: str) -> str:
    """A repository path as a relative URI reference: `#` would start a fragment, `?` a query, a bare `%` an invalid
    escape; non-ASCII and undecodable file-name bytes are percent-encoded as their bytes."""
    try:
        raw = path.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file name decoded to
        raw = path.encode("utf-8", errors="backslashreplace")
    return quote(raw, safe=_URI_SAFE)


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("-", ".").split("."))
