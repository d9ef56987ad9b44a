"""The REST API fuzzed from its own /openapi.json with schemathesis, every check on: it answers as it says it does.

Valid and invalid requests (positive and negative generation) go to every operation, with an admin token, on a
repository the App is installed on and on generated names; no answer may be a 5xx or disagree with the document.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from bot.store import tokens
from bot.store.tokens import NewToken
from tests.app.conftest import RunningApp, install
from tests.fakegithub import FakeGitHub

EXAMPLES = 15
"""Per operation, generation mode and path choice: bounded so each database's run takes seconds, not minutes."""
CONFIG = """
[[operations]]
include-path = "/api/grade"
# A diff or a .github/toasty.yml is any string to the schema; one that does not parse is a 422 by design.
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422", "429"]
"""


async def test_every_operation_answers_as_its_openapi_description_says(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    await install(fake_github, toasty, "octo/demo")
    secret, _ = await tokens.create(toasty.database, NewToken("fuzz", ("admin",), rate_per_minute=1_000_000))
    async with aiohttp.ClientSession() as session, session.get(toasty.url("/openapi.json")) as response:
        document = await response.json()
    tried, failures = await asyncio.to_thread(fuzz, document, toasty.url(""), secret)
    print(f"schemathesis: {tried} requests, {len(failures)} failing operations")  # shown with -s, for the record
    assert tried > 0
    assert failures == [], "\n\n".join(failures)


def fuzz(document: dict[str, Any], base_url: str, secret: str) -> tuple[int, list[str]]:
    """Run every operation's strategies against the App (in a worker thread: the App serves from the test's loop)."""
    load_all_checks()
    checks = list(CHECKS.get_all())
    schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_str(CONFIG))
    headers = {"Authorization": f"Bearer {secret}"}
    tried = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {"owner": "octo", "repo": "demo"} if "{owner}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in {None, None if fixed is None else "fixed"}:
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=fixed if path_parameters else None
                )

                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=strategy)
                def call(case: Any) -> None:
                    nonlocal tried
                    tried += 1
                    sent = {} if _mutates_headers(case) else headers  # a case without its token must go without
                    response = case.call(base_url=base_url, headers=sent, timeout=30)
                    case.validate_response(response, checks=checks, headers=sent)

                try:
                    call()
                except (Exception, BaseExceptionGroup) as error:  # a failed check: reported, the rest still fuzzed
                    failures.append(f"{operation.label} ({mode.value}): {error}")
    return tried, failures


def _mutates_headers(case: Any) -> bool:
    """Whether a negative case made its headers invalid (by dropping the required Authorization, say)."""
    component = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    return component is not None and component.mode == GenerationMode.NEGATIVE
