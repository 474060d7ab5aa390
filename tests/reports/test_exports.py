import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse
from rest_framework.test import APIClient

from claims.reports.services import export_job_run
from reports.models import ExportJob


@pytest.fixture
def api():
    return APIClient()


def csv_rows(content: bytes):
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_only_researchers_and_editors_may_export(api, users, demo):
    url = reverse("reports-api:export", args=["csv"])
    assert api.get(url).status_code in (401, 403)
    api.force_authenticate(users.consumer)
    assert api.get(url).status_code == 403
    for user in (users.researcher, users.editor):
        api.force_authenticate(user)
        assert api.get(url).status_code == 200


def test_the_api_streams_the_csv_export(api, users, demo):
    api.force_authenticate(users.researcher)
    response = api.get(reverse("reports-api:export", args=["csv"]), {"metric": "nk-troops-deployed"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(b"".join(response.streaming_content))
    assert [r["source"] for r in rows] == ["Reuters Asia", "South Korean lawmakers", "National Intelligence Service"]


def test_a_bad_filter_or_format_is_a_400_naming_the_parameter(api, users, demo):
    api.force_authenticate(users.researcher)
    response = api.get(reverse("reports-api:export", args=["csv"]), {"from": "2025-02-30", "status": "nope"})
    assert response.status_code == 400
    paths = {error["path"] for error in response.json()["errors"]}
    assert {"from", "status"} <= paths
    assert api.get(reverse("reports-api:export", args=["pdf"])).status_code == 400


def test_an_export_job_runs_in_the_background_and_offers_its_file(api, users, demo, settings, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    settings.REPORTS_EXPORT_DIR = tmp_path
    api.force_authenticate(users.researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("reports-api:jobs"), {"format": "jsonl", "status": "unreviewed"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] in ("queued", "failed") and body["download_url"] is None
    job = ExportJob.objects.get(pk=body["id"])
    assert job.history.first().history_user == users.researcher
    job.status = "queued"
    job.save()
    export_job_run(job_id=str(job.pk))  # what the Celery worker runs
    status = api.get(body["status_url"]).json()
    assert status["status"] == "done" and status["rows"] == 4
    download = api.get(status["download_url"])
    records = [json.loads(line) for line in b"".join(download.streaming_content).decode().splitlines()]
    assert {r["claim_key"] for r in records} == {"kim-heroic-army", "bbc-killed-1000"}
    api.force_authenticate(users.editor)  # someone else's job is not visible
    assert api.get(body["status_url"]).status_code == 404


def test_a_job_with_bad_stored_filters_fails_with_the_reason(users, demo, settings, tmp_path):
    settings.REPORTS_EXPORT_DIR = tmp_path
    job = ExportJob.objects.create(created_by=users.researcher, format="csv", filters={"metric": "gone"})
    job = export_job_run(job_id=str(job.pk))
    assert job.status == "failed" and "gone" in job.error
    assert list(tmp_path.iterdir()) == []


def test_the_command_exports_with_filters(demo, tmp_path, capsys):
    target = tmp_path / "out.csv"
    call_command("export_report", "--format", "csv", "--output", str(target), "--source", "kcna")
    rows = csv_rows(target.read_bytes())
    assert [r["source"] for r in rows] == ["KCNA", "Kim Jong Un"]
    assert "2 rows" in capsys.readouterr().err  # progress goes to standard error


def test_the_command_writes_xlsx_and_claimreview(demo, tmp_path):
    call_command("export_report", "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"), "--quiet")
    assert (tmp_path / "r.xlsx").read_bytes()[:2] == b"PK"
    call_command("export_report", "--format", "claimreview", "--output", str(tmp_path / "r.json"), "--quiet")
    assert [r["@type"] for r in json.loads((tmp_path / "r.json").read_text())] == ["ClaimReview"]


def test_the_command_refuses_bad_filters_clearly(demo):
    with pytest.raises(CommandError, match="metric: no metric has the key 'nope'"):
        call_command("export_report", "--metric", "nope")
    with pytest.raises(CommandError, match="needs --output"):
        call_command("export_report", "--format", "xlsx")


def test_the_admin_export_page_downloads_and_queues(client, users, demo, settings, tmp_path,
                                                    django_capture_on_commit_callbacks):
    settings.REPORTS_EXPORT_DIR = tmp_path
    users.researcher.is_staff = True
    users.researcher.save()
    client.force_login(users.researcher)
    url = reverse("admin-reports-export")
    assert client.get(url).status_code == 200
    response = client.post(url, {"format": "csv", "tag": "russia-ukraine", "download": "1"})
    assert len(csv_rows(b"".join(response.streaming_content))) == 3
    response = client.post(url, {"format": "csv", "metric": "nope", "download": "1"})
    assert response.status_code == 200 and "no metric has the key" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"format": "prov", "background": "1"})
    assert ExportJob.objects.filter(created_by=users.researcher, format="prov").count() == 1
    assert "New attribution export" in client.get(reverse("admin:reports_exportjob_changelist")).content.decode()
