import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import EDITOR, RESEARCHER, ensure_roles
from claims.models import Claim


def staff(username: str, role: str):
    user = get_user_model().objects.create_user(username=username, password="pw-not-used-1234", is_staff=True)
    user.groups.add(ensure_roles()[role])
    return user


def upload(data) -> SimpleUploadedFile:
    return SimpleUploadedFile("bundle.json", json.dumps(data).encode(), content_type="application/json")


@pytest.mark.django_db
def test_an_editor_imports_a_bundle_and_sees_the_counts(client, bundle):
    editor = staff("ed", EDITOR)
    client.force_login(editor)
    response = client.post("/admin/bundle/import/", {"bundle": upload(bundle)})
    assert response.status_code == 200
    assert "claims: 2 created" in response.content.decode()
    assert Claim.objects.get(key="six-hundred").history.first().history_user == editor


@pytest.mark.django_db
def test_an_editor_sees_every_error_and_nothing_is_written(client, bundle):
    client.force_login(staff("ed", EDITOR))
    bundle["claims"][0]["figures"][0]["value"] = -1
    bundle["claims"][1]["key"] = "Bad Key"
    response = client.post("/admin/bundle/import/", {"bundle": upload(bundle)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<code>claims[0].figures[0].value</code>: must be &gt;= 0" in page
    assert "<code>claims[1].key</code>" in page
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_over_the_limit_is_refused(client, bundle, settings):
    settings.BUNDLE_UPLOAD_MAX_BYTES = 100
    client.force_login(staff("ed", EDITOR))
    response = client.post("/admin/bundle/import/", {"bundle": upload(bundle)})
    assert response.status_code == 400
    assert "the limit is 100" in response.content.decode()
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_a_researcher_exports_but_cannot_import(client, bundle):
    from claims.bundle.importer import bundle_import

    bundle_import(data=bundle)
    client.force_login(staff("re", RESEARCHER))
    assert client.post("/admin/bundle/import/", {"bundle": upload(bundle)}).status_code == 403
    response = client.get("/admin/bundle/export/")
    assert response.status_code == 200
    exported = json.loads(b"".join(response.streaming_content))
    assert {c["key"] for c in exported["claims"]} == {"six-hundred", "range-claim"}


@pytest.mark.django_db
def test_staff_without_a_role_cannot_export(client):
    client.force_login(get_user_model().objects.create_user(username="x", password="pw-not-used-1234", is_staff=True))
    assert client.get("/admin/bundle/export/").status_code == 403
