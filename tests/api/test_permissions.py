"""Every endpoint and method for every role, with the status DESIGN.md's roles call for."""

import pytest
from django.contrib.auth.models import Permission, User

from claims.models import Claim, Flag, Metric
from sources.models import Document, Source

pytestmark = pytest.mark.django_db

RECORDS = {
    "sources": (Source, {"key": "spare-source", "name": "Spare", "kind": "other"}),
    "documents": (Document, {"key": "spare-doc", "title": "Spare document"}),
    "metrics": (Metric, {"key": "spare-metric", "name": "Spare metric"}),
    "claims": (Claim, {"key": "spare-claim", "text": "A spare claim"}),
}

READ, WRITE, REVIEW = "read", "write", "review"


def _cases():
    yield "GET", "/api/v1/", None, READ, 200
    yield "GET", "/api/v1/schema/", None, READ, 200
    yield "GET", "/api/v1/docs/", None, READ, 200
    for name, (_, record) in RECORDS.items():
        key = record["key"]
        new = {**record, "key": f"new-{key}"}
        yield "GET", f"/api/v1/{name}/", None, READ, 200
        yield "GET", f"/api/v1/{name}/{key}/", None, READ, 200
        yield "GET", f"/api/v1/{name}/{key}/history/", None, READ, 200
        yield "POST", f"/api/v1/{name}/", new, WRITE, 201
        yield "PUT", f"/api/v1/{name}/{key}/", record, WRITE, 200
        yield "PATCH", f"/api/v1/{name}/{key}/", {}, WRITE, 200
        yield "DELETE", f"/api/v1/{name}/{key}/", None, WRITE, 204
    yield "GET", "/api/v1/flags/", None, READ, 200
    yield "GET", "/api/v1/flags/{flag}/", None, READ, 200
    yield "GET", "/api/v1/flags/{flag}/history/", None, READ, 200
    yield "PATCH", "/api/v1/flags/{flag}/", {"status": "dismissed", "note": "checked"}, REVIEW, 200


ALLOWED = {
    "anonymous": set(),
    "researcher": {READ},
    "consumer": {READ},
    "consumer_writer": {READ, WRITE},
    "editor": {READ, WRITE, REVIEW},
}


@pytest.fixture
def spare_records(db):
    for model, record in RECORDS.values():
        model.objects.create(**record)
    claim = Claim.objects.get(key="spare-claim")
    return Flag.objects.create(kind="unverified", code="no_attribution", claim_a=claim)


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize(("method", "path", "body", "needs", "ok"), list(_cases()))
def test_each_role_gets_exactly_its_rights(callers, spare_records, role, method, path, body, needs, ok):
    path = path.replace("{flag}", str(spare_records.pk))
    response = callers[role].call(method, path, body)
    allowed = ok if needs in ALLOWED[role] else 403
    expected = 401 if role == "anonymous" else allowed
    assert response.status_code == expected, response.content[:300]
    if expected in (401, 403):
        assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("role", ["researcher", "consumer"])
def test_a_refused_write_changes_nothing(callers, spare_records, role):
    caller = callers[role]
    caller.call("PATCH", "/api/v1/sources/spare-source/", {"name": "Hijacked"})
    caller.call("DELETE", "/api/v1/claims/spare-claim/")
    caller.call("PATCH", f"/api/v1/flags/{spare_records.pk}/", {"status": "dismissed", "note": "x"})
    assert Source.objects.get(key="spare-source").name == "Spare"
    assert Claim.objects.filter(key="spare-claim").exists()
    spare_records.refresh_from_db()
    assert spare_records.status == "open"


def test_the_per_user_write_grant_works_for_every_token_of_a_consumer(callers, spare_records):
    consumer = User.objects.get(username="dash")
    consumer.user_permissions.add(Permission.objects.get(codename="api_write"))
    response = callers["consumer"].call("PATCH", "/api/v1/metrics/spare-metric/", {"unit": "people"})
    assert response.status_code == 200
    # The grant is for api consumers only: a researcher with it still only reads.
    researcher = User.objects.get(username="rita")
    researcher.user_permissions.add(Permission.objects.get(codename="api_write"))
    assert callers["researcher"].call("PATCH", "/api/v1/metrics/spare-metric/", {"unit": "x"}).status_code == 403
