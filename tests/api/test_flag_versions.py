"""Flags carry a version like every other record: a review made from a stale copy is refused."""

import pytest

from claims.checks.engine import sweep_all
from claims.models import Flag, FlagStatus

pytestmark = pytest.mark.django_db


def test_a_flag_read_carries_its_version_in_the_body_and_the_etag(editor, newsroom):
    flag = newsroom["flag"]
    response = editor.get(f"/api/v1/flags/{flag.pk}/")
    assert response.status_code == 200
    assert response.json()["version"] == flag.version
    assert response["ETag"] == f'"{flag.version}"'


def test_a_review_with_the_current_version_succeeds_and_raises_it(editor, newsroom):
    flag = newsroom["flag"]
    response = editor.call("PATCH", f"/api/v1/flags/{flag.pk}/", {"status": "dismissed", "note": "Checked"},
                           if_match=f'"{flag.version}"')
    assert response.status_code == 200, response.content
    assert response.json()["version"] == flag.version + 1
    assert response["ETag"] == f'"{flag.version + 1}"'


@pytest.mark.parametrize("how", ["header", "body"])
def test_a_review_of_a_flag_changed_since_it_was_read_is_412_and_changes_nothing(editor, newsroom, how):
    flag = newsroom["flag"]
    read = flag.version
    flag.status = FlagStatus.RESOLVED
    flag.save()  # another editor got there first
    body = {"status": "dismissed", "note": "Not a problem"}
    if how == "header":
        response = editor.call("PATCH", f"/api/v1/flags/{flag.pk}/", body, if_match=f'"{read}"')
    else:
        response = editor.call("PATCH", f"/api/v1/flags/{flag.pk}/", {**body, "version": read})
    assert response.status_code == 412
    assert response.json()["current_version"] == read + 1
    flag.refresh_from_db()
    assert (flag.status, flag.dismissed_note, flag.version) == (FlagStatus.RESOLVED, "", read + 1)


def test_a_re_check_that_changes_a_flag_raises_its_version(editor, newsroom):
    sweep_all(user=None)
    flag = Flag.objects.exclude(status=FlagStatus.RESOLVED).order_by("id").first()
    before = flag.version
    Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.RESOLVED)  # a stale status the checks will undo
    sweep_all(user=None)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert flag.version == before + 1
