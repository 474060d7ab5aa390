import pytest
from django.urls import reverse

from tests.reports.conftest import SCRIPT_TEXT


@pytest.fixture
def reader(client, users):
    client.force_login(users.researcher)
    return client


def page_urls(hostile):
    return [reverse("reports:index"), reverse("reports:claim", args=[hostile.key]),
            reverse("reports:metric", args=["nk-troops-killed"]), reverse("reports:source", args=["hostile"])]


def test_pages_need_a_login_unless_reports_are_public(client, hostile, settings):
    settings.REPORTS_PUBLIC = False
    for url in page_urls(hostile):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    settings.REPORTS_PUBLIC = True
    for url in page_urls(hostile):
        assert client.get(url).status_code == 200


def test_every_page_shows_hostile_text_as_text_under_a_strict_csp(reader, hostile):
    for url in page_urls(hostile):
        response = reader.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<script" not in body and "<img src=x" not in body, url
        assert "default-src 'none'" in response["Content-Security-Policy"]
    claim_page = reader.get(page_urls(hostile)[1]).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in claim_page
    assert "&lt;img src=x onerror=alert(1)&gt;" in claim_page  # in the chain SVG and the list
    metric_page = reader.get(page_urls(hostile)[2]).content.decode()
    assert "&lt;b&gt;at least&lt;/b&gt; 700" in metric_page
    assert SCRIPT_TEXT[:20] not in metric_page


def test_the_metric_page_draws_each_figure_and_marks_the_conflict(reader, demo):
    body = reader.get(reverse("reports:metric", args=["nk-troops-killed"])).content.decode()
    assert body.count('<g class="figure" role="img"') == 2
    assert body.count('class="conflict"') == 3  # the dashed line in the chart and both figures' rows
    title = "Figures for North Korean troops killed fighting for Russia over time"
    assert f'<title id="chart-title">{title}</title>' in body
    assert "National Intelligence Service" in body and "Western officials" in body
    assert "[540, 660]" in body  # about 600 with the 10% tolerance


def test_the_claim_page_shows_chains_flags_and_history(reader, demo):
    body = reader.get(reverse("reports:claim", args=["nk-killed-600"])).content.decode()
    assert 'aria-label="Reuters Asia, grade B (inherited)"' in body
    assert 'aria-label="National Intelligence Service, grade B, origin"' in body
    assert "cumulative decrease" in body
    assert "Created" in body  # the history entry of the claim


def test_the_source_page_says_whom_it_cited_and_who_cited_it(reader, demo):
    body = reader.get(reverse("reports:source", args=["sk-lawmakers"])).content.decode()
    cited = body.split("Whom it cited")[1]
    assert "National Intelligence Service" in cited.split("Who cited it")[0]
    assert "Reuters Asia" in cited.split("Who cited it")[1]


def test_an_unknown_key_is_a_404(reader, demo):
    assert reader.get(reverse("reports:claim", args=["no-such-claim"])).status_code == 404
