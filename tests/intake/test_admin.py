"""The admin intake page: paste, review beside the sentence, edit, accept some, discard others."""

from __future__ import annotations

import html
import json
import re

import pytest
import redis
from django.conf import settings
from django.test import Client

from accounts.roles import RESEARCHER
from claims.admin_intake import highlight
from claims.models import Claim, Metric
from sources.models import Document, Source
from tests.admin import factories as make
from tests.intake.conftest import ARTICLE, LAWMAKERS, PUBLISHED, SPEECH

URL = "/admin/intake/"
PASTE = {"action": "draft", "text": ARTICLE, "publisher": "wire", "published": PUBLISHED, "title": "Troops honoured"}


@pytest.fixture
def broker():
    """The Redis database the tests queue to (this suite's own), emptied first."""
    connection = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    connection.delete("celery")
    yield connection
    connection.delete("celery")


def review_form(response) -> dict:
    """The fields of the review page as a browser would send them back (nothing ticked)."""
    page = response.content.decode()
    fields = {"action": "accept"}
    for name in ("document", "sentences"):
        value = re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
        fields[name] = _unescape(value)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[name] = _unescape(value)
    return fields


def _unescape(text: str) -> str:
    return html.unescape(text)


def draft_index(fields: dict, sentence: str) -> int:
    return next(i for i, s in enumerate(json.loads(fields["sentences"])) if s["sentence"] == sentence)


def test_only_editors_may_use_the_page(editor_client, wire):
    researcher = Client()
    researcher.force_login(make.staff_user(RESEARCHER, "rita"))
    assert researcher.get(URL).status_code == 403
    assert researcher.post(URL, PASTE).status_code == 403
    assert editor_client.get(URL).status_code == 200
    assert Client().get(URL).status_code == 302  # to the login page


def test_the_drafts_show_their_sentence_with_the_figures_marked(editor_client, wire):
    response = editor_client.post(URL, PASTE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>About 600</mark> North Korean soldiers" in page
    assert "<mark>15,000</mark>" in page
    fields = review_form(response)
    assert len(json.loads(fields["sentences"])) == 3
    assert Claim.objects.count() == 0


def test_the_sentence_is_escaped_around_the_marks():
    sentence = "<b>About 600</b> & more"
    assert str(highlight(sentence, [(3, 12)])) == "&lt;b&gt;<mark>About 600</mark>&lt;/b&gt; &amp; more"
    assert str(highlight(sentence, [(3, 99), (-1, 2)])) == "&lt;b&gt;About 600&lt;/b&gt; &amp; more"


def test_accepting_one_draft_and_discarding_another_writes_only_the_accepted_claim(
        editor_client, editor, wire, broker, django_capture_on_commit_callbacks):
    fields = review_form(editor_client.post(URL, PASTE))
    keep = draft_index(fields, LAWMAKERS)
    drop = draft_index(fields, SPEECH)
    kept = json.loads(fields[f"claim-{keep}"])
    kept["text"] = kept["text"].replace("About 600", "About 600 (edited)")
    fields[f"claim-{keep}"] = json.dumps(kept)
    fields["accept"] = [str(keep)]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(URL, fields)
    assert response.status_code == 302, response.content.decode()[:2000]

    [claim] = Claim.objects.all()
    assert claim.key == kept["key"]
    assert claim.text.startswith("About 600 (edited)")
    assert [(f.metric.key, f.value) for f in claim.figures.order_by("position")] == [
        ("north-korean-soldiers-killed", 600), ("north-korean-soldiers-deployed", 15000)]
    assert [link.source.key for link in claim.attributions.get().links.order_by("position")] == [
        "wire", "south-korean-lawmakers", "south-koreas-spy-agency"]
    # The discarded speech's sources were only proposals: they are not created.
    assert not Source.objects.filter(key__in=["kim", "kcna"]).exists()
    assert Document.objects.get().text == ARTICLE
    assert claim.history.get().history_user == editor
    assert Source.objects.get(key="south-korean-lawmakers").history.get().history_user == editor
    assert Metric.objects.get(key="north-korean-soldiers-killed").history.get().history_user == editor
    assert not Claim.objects.filter(key=json.loads(fields[f"claim-{drop}"])["key"]).exists()
    queued = [json.loads(message) for message in broker.lrange("celery", 0, -1)]
    assert any(m["headers"]["task"] == "claims.checks_run" and str(claim.pk) in m["headers"]["argsrepr"]
               for m in queued)


def test_a_broken_edit_is_refused_and_kept_on_the_page(editor_client, wire):
    fields = review_form(editor_client.post(URL, PASTE))
    keep = draft_index(fields, LAWMAKERS)
    fields[f"claim-{keep}"] = '{"key": "mine", "text": "half an edit'
    fields["accept"] = [str(keep)]
    response = editor_client.post(URL, fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not valid JSON" in page
    assert "half an edit" in page
    assert Claim.objects.count() == 0 and Source.objects.count() == 1


def test_an_invalid_figure_is_named_by_the_draft_key_and_nothing_is_written(editor_client, wire):
    fields = review_form(editor_client.post(URL, PASTE))
    keep = draft_index(fields, LAWMAKERS)
    claim = json.loads(fields[f"claim-{keep}"])
    claim["figures"][0]["value"] = -5
    fields[f"claim-{keep}"] = json.dumps(claim)
    fields["accept"] = [str(keep), str(draft_index(fields, SPEECH))]
    response = editor_client.post(URL, fields)
    assert response.status_code == 400
    assert f"claim &#x27;{claim['key']}&#x27;.figures[0].value" in response.content.decode()
    assert (Claim.objects.count(), Source.objects.count(), Document.objects.count()) == (0, 1, 0)


def test_accepting_nothing_is_an_error(editor_client, wire):
    fields = review_form(editor_client.post(URL, PASTE))
    response = editor_client.post(URL, fields)
    assert response.status_code == 400
    assert "accept at least one draft claim" in response.content.decode()


def test_a_second_intake_of_the_same_text_gets_its_own_keys(editor_client, wire):
    first = review_form(editor_client.post(URL, PASTE))
    first["accept"] = [str(draft_index(first, LAWMAKERS))]
    assert editor_client.post(URL, first).status_code == 302
    second = review_form(editor_client.post(URL, PASTE))
    second["accept"] = [str(draft_index(second, LAWMAKERS))]
    assert editor_client.post(URL, second).status_code == 302
    assert Claim.objects.count() == 2
    # The second draft refers to the sources and metrics the first one created.
    assert Source.objects.filter(key__startswith="south-korean-lawmakers").count() == 1
    assert Metric.objects.count() == 2


def test_an_unknown_publisher_is_shown_on_its_field(editor_client, wire):
    response = editor_client.post(URL, {**PASTE, "publisher": "nobody"})
    assert response.status_code == 400
    assert "no source has the key" in response.content.decode()
