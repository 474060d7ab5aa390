"""Driving the admin over real HTTP without a browser: log in, read a form, post it back as a browser
would (hidden management forms and CSRF token included)."""

from __future__ import annotations

from html.parser import HTMLParser

import requests


class _FormFields(HTMLParser):
    """The successful controls of each form with method=post: what a browser would submit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._inside = True
            self.fields = {}
            self.forms.append(self.fields)
        if not self._inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[name] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._inside:
            self._inside = False
        elif tag == "select" and self._select:
            if not self._multiple:  # a single select always sends one option; a multiple one may send none
                self.fields.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    """The fields of the page's main form: the POST form with the most controls (the admin's
    header also holds a small logout form)."""
    parser = _FormFields()
    parser.feed(html)
    return max(parser.forms, key=len, default={})


def admin_login(base_url: str, username: str, password: str) -> requests.Session:
    """A session logged in through the admin's login form; raises if the login is refused."""
    session = requests.Session()
    page = session.get(f"{base_url}/admin/login/", timeout=30)
    data = form_fields(page.text)
    data.update(username=username, password=password, next="/admin/")
    done = session.post(f"{base_url}/admin/login/", data=data, headers={"Referer": page.url}, timeout=30,
                        allow_redirects=False)
    if done.status_code != 302:
        raise AssertionError(f"admin login refused: {done.status_code}")
    return session


def admin_submit(session: requests.Session, url: str, changes: dict[str, str]) -> requests.Response:
    """GET an admin form, apply `changes`, POST it back (no redirect following: 302 means saved)."""
    page = session.get(url, timeout=30)
    page.raise_for_status()
    data = {**form_fields(page.text), **changes}
    return session.post(url, data=data, headers={"Referer": url}, timeout=60, allow_redirects=False)


def form_errors(html: str) -> list[str]:
    """The text around each error list of a rendered form, for assertion messages."""
    found = []
    for start in (i for i in range(len(html)) if html.startswith("errorlist", i)):
        found.append(" ".join(html[max(0, start - 100):start + 600].split()))
    return found[:5]
