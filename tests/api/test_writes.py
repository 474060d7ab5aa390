import json

import pytest

from accounts.models import IdempotencyRecord
from claims.models import Claim, Figure
from sources.models import Source

pytestmark = pytest.mark.django_db

NEW_CLAIM = {
    "key": "some-300-killed",
    "text": "Some 300 North Korean soldiers have died, the NIS said",
    "status": "unreviewed",
    "tags": ["north-korea"],
    "figures": [{"metric": "nk-killed", "qualifier": "approximate", "value": 300, "as_of": "2025-01-13"}],
    "attributions": [{"chain": [{"source": "nis", "verb": "said", "date": "2025-01-13"}]}],
}


def test_an_editor_creates_a_claim_and_reads_it_back_as_sent(editor, newsroom):
    response = editor.call("POST", "/api/v1/claims/", NEW_CLAIM)
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == "/api/v1/claims/some-300-killed/"
    assert response["ETag"] == '"1"'
    assert {name: body[name] for name in NEW_CLAIM} == NEW_CLAIM
    assert Figure.objects.get(claim__key="some-300-killed").metric == newsroom["metric"]


def test_a_write_lands_in_history_naming_the_token_user(editor, newsroom):
    editor.call("POST", "/api/v1/claims/", NEW_CLAIM)
    patched = editor.call("PATCH", "/api/v1/claims/some-300-killed/", {"text": "Some 300 soldiers died"})
    assert patched.status_code == 200, patched.content
    history = editor.get("/api/v1/claims/some-300-killed/history/").json()["results"]
    assert [entry["history_user"] for entry in history][:2] == ["eddie", "eddie"]
    assert history[0]["fields"]["text"] == "Some 300 soldiers died"
    claim = Claim.objects.get(key="some-300-killed")
    assert claim.history.latest().history_user.username == "eddie"
    assert Figure.history.filter(claim_id=claim.pk).latest().history_user.username == "eddie"


def test_an_invalid_record_is_400_naming_every_bad_place_and_writes_nothing(editor, newsroom):
    bad = {**NEW_CLAIM, "figures": [{"metric": "no-such-metric", "qualifier": "approximate", "value": -1}]}
    response = editor.call("POST", "/api/v1/claims/", bad)
    assert response.status_code == 400
    paths = {error["path"] for error in response.json()["errors"]}
    assert any("figures[0].value" in path for path in paths)
    assert any("figures[0].metric" in path for path in paths)
    assert not Claim.objects.filter(key="some-300-killed").exists()


def test_a_post_for_an_existing_key_is_409(editor, newsroom):
    response = editor.call("POST", "/api/v1/claims/", {**NEW_CLAIM, "key": "about-600-killed"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["path"] == "key"


def test_put_replaces_the_whole_claim_and_raises_its_version(editor, newsroom):
    before = editor.get("/api/v1/claims/about-600-killed/")
    record = {**NEW_CLAIM, "key": "about-600-killed", "version": before.json()["version"]}
    response = editor.call("PUT", "/api/v1/claims/about-600-killed/", record, if_match=before["ETag"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] > before.json()["version"]
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["figures"][0]["value"] == 300
    assert body["attributions"] == NEW_CLAIM["attributions"]


@pytest.mark.parametrize("if_match", ['"1"', "1", 'W/"1"'])
def test_an_update_with_a_stale_version_is_412_and_changes_nothing(editor, newsroom, if_match):
    claim = Claim.objects.get(key="about-600-killed")
    claim.text = "Edited by someone else"
    claim.save()  # now at version 2
    response = editor.call("PATCH", "/api/v1/claims/about-600-killed/", {"text": "Mine"}, if_match=if_match)
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert response["ETag"] == '"2"'
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("Edited by someone else", 2)


def test_a_stale_version_in_the_body_is_412_too(editor, newsroom):
    Claim.objects.get(key="about-600-killed").save()
    response = editor.call("PATCH", "/api/v1/claims/about-600-killed/", {"text": "Mine", "version": 1})
    assert response.status_code == 412


def test_a_delete_with_a_stale_version_is_412_and_keeps_the_record(editor, newsroom):
    response = editor.call("DELETE", "/api/v1/claims/bare-claim/", if_match='"7"')
    assert response.status_code == 412
    assert Claim.objects.filter(key="bare-claim").exists()
    assert editor.call("DELETE", "/api/v1/claims/bare-claim/", if_match='"1"').status_code == 204
    assert not Claim.objects.filter(key="bare-claim").exists()


def test_an_unreadable_if_match_is_400_naming_the_header(editor, newsroom):
    response = editor.call("PATCH", "/api/v1/claims/about-600-killed/", {"text": "x"}, if_match="yesterday")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "If-Match"


def test_deleting_a_cited_source_is_409_and_keeps_it(editor, newsroom):
    response = editor.call("DELETE", "/api/v1/sources/nis/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["path"] == "key"
    assert Source.objects.filter(key="nis").exists()


def test_a_retried_create_with_the_same_idempotency_key_replays_without_duplicating(editor, newsroom):
    first = editor.call("POST", "/api/v1/claims/", NEW_CLAIM, idempotency_key="retry-1")
    again = editor.call("POST", "/api/v1/claims/", NEW_CLAIM, idempotency_key="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and again["ETag"] == first["ETag"]
    assert Claim.objects.filter(key="some-300-killed").count() == 1
    assert Claim.objects.get(key="some-300-killed").history.filter(history_type="+").count() == 1


def test_the_same_idempotency_key_with_another_body_is_422(editor, newsroom):
    editor.call("POST", "/api/v1/claims/", NEW_CLAIM, idempotency_key="retry-2")
    response = editor.call("POST", "/api/v1/claims/", {**NEW_CLAIM, "key": "other"}, idempotency_key="retry-2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "Idempotency-Key"
    assert not Claim.objects.filter(key="other").exists()


def test_a_failed_create_releases_its_idempotency_key(editor, newsroom):
    bad = {**NEW_CLAIM, "text": ""}
    assert editor.call("POST", "/api/v1/claims/", bad, idempotency_key="retry-3").status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert editor.call("POST", "/api/v1/claims/", NEW_CLAIM, idempotency_key="retry-3").status_code == 201


def test_a_consumer_with_a_write_grant_may_add_claims_but_not_rule_on_them(callers, newsroom):
    feed = callers["consumer_writer"]
    assert feed.call("POST", "/api/v1/claims/", {**NEW_CLAIM, "status": "false"}).status_code == 403
    created = feed.call("POST", "/api/v1/claims/", {k: v for k, v in NEW_CLAIM.items() if k != "status"})
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "unreviewed"
    changed = feed.call("PATCH", "/api/v1/claims/about-600-killed/", {"status": "accurate"})
    assert changed.status_code == 403
    assert changed.json()["errors"][0]["path"] == "status"
    assert Claim.objects.get(key="about-600-killed").status == "unreviewed"


def test_patch_with_null_removes_an_optional_field(editor, newsroom):
    response = editor.call("PATCH", "/api/v1/sources/nis/", {"country": None})
    assert response.status_code == 200, response.content
    assert "country" not in response.json()
    assert Source.objects.get(key="nis").country == ""


def test_a_body_key_that_differs_from_the_url_is_400(editor, newsroom):
    response = editor.call("PATCH", "/api/v1/sources/nis/", {"key": "renamed"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "key"


def test_an_editor_dismisses_a_flag_with_a_note(editor, newsroom):
    flag = newsroom["flag"]
    missing_note = editor.call("PATCH", f"/api/v1/flags/{flag.pk}/", {"status": "dismissed"})
    assert missing_note.status_code == 400
    assert missing_note.json()["errors"][0]["path"] == "note"
    response = editor.call("PATCH", f"/api/v1/flags/{flag.pk}/", {"status": "dismissed", "note": "A draft claim"})
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert response.json()["dismissed_note"] == "A draft claim"
    history = editor.get(f"/api/v1/flags/{flag.pk}/history/").json()["results"]
    assert history[0]["history_user"] == "eddie"
    assert history[0]["fields"]["status"] == "dismissed"


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2]",
        '"text"',
        json.dumps({"key": "x", "text": "y", "figures": "many"}),
        json.dumps({"key": "x", "text": "y", "unknown": 1}),
        json.dumps({"key": 5, "text": ["y"]}),
        '{"key": "x", "text": "y", "figures": [{"metric": "nk-killed", "qualifier": "exact", "value": 1e400}]}',
        '{"key": "x", "text": "y", "figures": [{"metric": "nk-killed", "qualifier": "exact", "value": '
        + "9" * 5000 + "}]}",
        '{"key": "x", "text": "y", "figures": [{"metric": "nk-killed", "qualifier": "exact", "value": NaN}]}',
        "[" * 100000,
    ],
)
def test_malformed_bodies_get_a_4xx_with_errors_never_a_500(editor, newsroom, body):
    response = editor.call("POST", "/api/v1/claims/", body)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["errors"]
    assert not Claim.objects.filter(key="x").exists()


def test_a_body_that_is_not_json_is_415(editor, newsroom):
    response = editor.client.post(
        "/api/v1/claims/", data="key=x", content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Token {editor.token}",
    )
    assert response.status_code == 415
    assert response.json()["errors"]


def test_an_idempotent_create_of_a_record_with_fractions_replays_them(editor, newsroom):
    metric = {"key": "nk-wounded", "name": "North Korean troops wounded", "tolerance": 0.25}
    first = editor.call("POST", "/api/v1/metrics/", metric, idempotency_key="m-1")
    again = editor.call("POST", "/api/v1/metrics/", metric, idempotency_key="m-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json()["tolerance"] == first.json()["tolerance"] == 0.25


def test_a_deleted_record_keeps_its_history_at_its_key(editor, newsroom):
    assert editor.call("DELETE", "/api/v1/claims/bare-claim/").status_code == 204
    assert editor.get("/api/v1/claims/bare-claim/").status_code == 404
    history = editor.get("/api/v1/claims/bare-claim/history/").json()["results"]
    assert history[0]["history_type"] == "deleted"
    assert history[0]["history_user"] == "eddie"
    assert history[-1]["history_type"] == "created"
    assert editor.get("/api/v1/claims/never-existed/history/").status_code == 404


def test_a_status_change_through_the_api_is_stamped_as_the_editors_verdict(editor, newsroom):
    before = editor.get("/api/v1/claims/about-600-killed/")
    record = {**NEW_CLAIM, "key": "about-600-killed", "status": "misleading"}
    response = editor.call("PUT", "/api/v1/claims/about-600-killed/", record, if_match=before["ETag"])
    assert response.status_code == 200, response.content
    claim = Claim.objects.get(key="about-600-killed")
    assert claim.verdict_by.username == "eddie"
    assert claim.verdict_at is not None
