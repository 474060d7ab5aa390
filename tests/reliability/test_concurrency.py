"""Twenty clients editing one claim at once through the API, each with the version it read."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests

from accounts.tokens import api_token_issue
from claims.models import Claim
from tests.reliability.processes import web_server

pytestmark = [pytest.mark.slow]

CLIENTS = 20


def test_twenty_clients_with_if_match_lose_no_update_and_every_loser_gets_412(
    editor_user, service_env, figures
):
    Claim.objects.create(key="contested", text="The first wording")
    token = api_token_issue(username=editor_user.username, role="editor")[1]
    statuses: Counter[int] = Counter()
    accepted: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(number: int, base: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        text = f"Wording from client {number}"
        start.wait()
        for _ in range(200):
            read = session.get(f"{base}/api/v1/claims/contested/", timeout=60)
            answer = session.put(f"{base}/api/v1/claims/contested/", json={"key": "contested", "text": text},
                                 headers={"If-Match": read.headers["ETag"]}, timeout=60)
            with lock:
                statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    accepted.append(text)
            if answer.status_code != 412:
                return

    with web_server(service_env(CELERY_BROKER_URL=""), threads=CLIENTS) as web:
        threads = [threading.Thread(target=client, args=(n, web.url)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

    assert set(statuses) <= {200, 412}, statuses
    assert statuses[200] == CLIENTS and sorted(accepted) == sorted(f"Wording from client {n}" for n in range(CLIENTS))
    stored = Claim.objects.get(key="contested")
    assert stored.version == 1 + CLIENTS
    changes = Claim.history.filter(key="contested", history_type="~")
    assert sorted(changes.values_list("text", flat=True)) == sorted(accepted)
    assert set(changes.values_list("history_user__username", flat=True)) == {editor_user.username}
    # Each accepted change was made on top of the one before: the versions in the history run 2..21.
    assert sorted(changes.values_list("version", flat=True)) == list(range(2, CLIENTS + 2))
    figures("20 concurrent API updates of one claim with If-Match (retry after 412)",
            attempted=sum(statuses.values()), succeeded=statuses[200], lost=CLIENTS - changes.count(),
            duplicated=changes.count() - len(set(changes.values_list("version", flat=True))),
            refused_412=statuses[412])
