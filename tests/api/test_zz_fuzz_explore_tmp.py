"""Schemathesis against the API's own OpenAPI schema, through the WSGI app with an editor token:
no input may give a 5xx, and every response must match the schema (status, body, content type).

Examples per operation are bounded so that the whole run stays within a few dozen seconds.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from accounts.roles import EDITOR
from accounts.tokens import api_token_issue
from factcheck.wsgi import application

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _schema() -> dict:
    generated = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


# The coverage phase walks every boundary of every parameter (hundreds of requests per operation);
# random examples within a fixed budget keep the run to seconds.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": True}}})
schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG).exclude(path_regex=r"^/api/v1/reports/")


@pytest.fixture
def keep_test_connection():
    """The WSGI app closes the database connection when a request ends, which would end the test's
    transaction; Django's own test client holds it open in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def editor_headers(db, settings_fixture, keep_test_connection) -> dict[str, str]:
    return {"Authorization": f"Token {api_token_issue(username='fuzz', role=EDITOR)[1]}"}


@pytest.fixture
def settings_fixture(settings):
    # Generous rates: the fuzzing must see the endpoints, not the throttle.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "100000/min", "anon": "100000/min"}
    }
    return settings


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api_or_its_schema(case, editor_headers, newsroom):
    case.call_and_validate(app=application, headers=editor_headers, checks=CHECKS)
