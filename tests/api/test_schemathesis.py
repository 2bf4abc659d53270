"""Property-based API test: schemathesis generates valid and invalid requests from /openapi.json and runs them
through the ASGI app (graph built, write key set): no 5xx, responses match their documented schemas."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (test extra) is not installed")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

API_KEY = "schemathesis-key"
MAX_EXAMPLES = 40  # per operation and mode: about a minute in all on 2 cores
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api_schema(web_home, home_copy, tmp_path_factory):
    from paperkg.api.app import create_app
    from paperkg.settings import load_settings

    # a private copy: accepted POST /papers records change the catalog and the indexes
    home = home_copy(web_home.home, tmp_path_factory.mktemp("fuzzhome"))
    app = create_app(load_settings(home, tagger=False, api_key=API_KEY))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_errors_and_schema_conformance(api_schema, mode: str) -> None:
    # one hypothesis run per operation (schemathesis.pytest.from_fixture does not work with pytest 9)
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(schemathesis.GenerationMode(mode), headers={"X-API-Key": API_KEY})

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,  # the same requests on every run: a CI failure reproduces locally
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid (e.g. GET /health in negative mode)
            continue
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
