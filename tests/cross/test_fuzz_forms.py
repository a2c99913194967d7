"""Random Unicode through every form the portal shows, as each role: no 500, no stuck mail.

The crawler signs in as HR, a recruiter and a candidate, follows every same-site link from their
home, and collects every POST form on the pages it reaches. Hypothesis then fills each form's
text fields with random Unicode (line and paragraph separators, controls, NUL, right-to-left
overrides, markup, huge and numeric-looking strings among them), keeps hidden fields (the CSRF
token) and posts it. Afterwards every queued email is delivered to a real SMTP server on
loopback: nothing may be left pending with an error, and a message queued last still arrives.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.core import clock
from portal.mail import jobs as mail_jobs
from portal.mail.models import EmailStatus, OutgoingEmail
from tests import support

pytestmark = pytest.mark.slow

# Forms whose success would end the crawl's own session or remove what later forms need.
SKIPPED_ACTIONS = ("sign-out", "deactivate", "delete", "discard", "revoke", "/dev/")
# Pages not worth following: downloads, the development mailbox, another role's sign-out.
SKIPPED_PAGES = (".ics", ".csv", ".json", "/static/", "/dev/", "/api/", "sign-out")
MAX_PAGES_PER_ROLE = 120

NASTY = [
    "Ana\u2028Silva",
    "Ana\u2029Silva",
    "Ana\x85Silva",
    "Ana\x0bSilva\x0c",
    "Ana\r\nBcc: victim@example.com",
    "\u202eavliS anA",
    "Ana\x00Silva",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example")',
    "9" * 40,
    "-1",
    "2026-13-45",
    "25:99",
    "x" * 5000,
    " ",
    "\t",
    "Zoë O’Brien-Łukasiewicz 李小龍 محمد",
    "/%09/evil.example",
    "Europe/Nowhere",
]
HUGE_NUMBER = "9" * 40
SEPARATORS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\r\n", "\x1e"]
FIXED_VALID = {
    "email": "fuzz.fixed@example.com",
    "date": str(date.today() + timedelta(days=40)),
    "time": "09:30",
    "url": "https://hooks.example.com/portal",
    "number": "3",
}
VALID = {
    "email": st.integers(1, 10**6).map(lambda n: f"fuzz{n}@example.com"),
    "date": st.integers(8, 300).map(lambda days: str(date.today() + timedelta(days=days))),
    "time": st.sampled_from(["09:00", "13:30", "23:59"]),
    "url": st.sampled_from(["https://hooks.example.com/portal", "https://example.org/feed"]),
    "number": st.integers(1, 10).map(str),
}
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=200),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["Cc", "Zl", "Zp", "Cf"]), max_size=20
    ),
)


@dataclass
class Form:
    page: str
    action: str
    method: str = "post"
    hidden: dict[str, str] = field(default_factory=dict)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (name, input type)
    checkboxes: list[tuple[str, str]] = field(default_factory=list)
    selects: dict[str, list[str]] = field(default_factory=dict)


class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self.links.append(urljoin(self.page, values["href"]))
        elif tag == "form":
            action = urljoin(self.page, values.get("action") or self.page)
            self._form = Form(self.page, action, values.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or not values.get("name"):
            return
        elif tag == "input":
            kind = values.get("type", "text").lower()
            if kind == "hidden":
                self._form.hidden[values["name"]] = values.get("value", "")
            elif kind in ("checkbox", "radio"):
                self._form.checkboxes.append((values["name"], values.get("value") or "y"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form.texts.append((values["name"], kind))
        elif tag == "textarea":
            self._form.texts.append((values["name"], "textarea"))
        elif tag == "select":
            self._select = values["name"]
            self._form.selects[self._select] = []
        if tag == "option" and self._form is not None and self._select is not None:
            self._form.selects[self._select].append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    path = urldefrag(parts.path + (f"?{parts.query}" if parts.query else ""))[0]
    return None if any(skip in path for skip in SKIPPED_PAGES) else path


def crawl(client, start: str) -> list[Form]:
    """Every POST form on the pages reachable from `start`, one per (action, fields)."""
    seen, queue, forms = {start}, deque([start]), {}
    while queue and len(seen) <= MAX_PAGES_PER_ROLE:
        page = queue.popleft()
        response = client.get(page, follow_redirects=True)
        assert response.status_code < 500, f"GET {page} answered {response.status_code}"
        page = response.request.path
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parser = _PageParser(f"http://localhost{page}")
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = _local(form.action)
            if action and not any(skip in action for skip in SKIPPED_ACTIONS):
                form.action = action
                forms.setdefault(
                    (form.method, action, tuple(form.texts), tuple(form.selects)), form
                )
        for link in parser.links:
            path = _local(link)
            if path and path not in seen:
                seen.add(path)
                queue.append(path)
    return list(forms.values())


def _signed_in(app, email: str):
    client = app.test_client()
    assert support.sign_in(client, email).status_code == 302
    return client


def test_random_unicode_through_every_form_finds_no_500_and_no_stuck_mail(
    make_app, people, smtp_server
):
    app = make_app(SMTP_URL=smtp_server.url)
    # The cast lives in the `app` fixture's database; this app shares it.
    clients = {
        role: _signed_in(app, people["emails"][role])
        for role in ("hr", "recruiter_a", "candidate_a")
    }
    # Changing the crawlers' own email or role would sign them out (as it should): leave those
    # records alone and fuzz the edit forms of the two people nobody is signed in as.
    own_records = tuple(f"/hr/people/{people['ids'][role]}/" for role in clients)
    forms = {
        role: [form for form in crawl(client, "/") if not form.action.startswith(own_records)]
        for role, client in clients.items()
    }
    assert len(forms["hr"]) >= 10, [form.action for form in forms["hr"]]
    assert forms["candidate_a"], "the candidate's pages hold no form"
    answered: list[tuple[str, int]] = []

    # First, deterministically: every form once per line-breaking character, in every text
    # field at once (typed fields valid), so the separators reach names, subjects and mail
    # whatever hypothesis happens to draw below.
    # Then once with a number no column holds in every field, selects included.
    for separator in [*SEPARATORS, None]:
        for role, role_forms in forms.items():
            for form in role_forms:
                values: dict[str, object] = dict(form.hidden)
                for name, kind in form.texts:
                    valid = FIXED_VALID.get(kind)
                    if separator is None:
                        values[name] = HUGE_NUMBER
                    else:
                        values[name] = valid if valid else f"Ana{separator}Silva {name}"
                for name, options in form.selects.items():
                    first = next((o for o in options if o), "")
                    values[name] = HUGE_NUMBER if separator is None else first
                method = clients[role].post if form.method == "post" else clients[role].get
                key = "data" if form.method == "post" else "query_string"
                response = method(form.action, **{key: values})
                answered.append((form.action, response.status_code))
                assert response.status_code < 500, (
                    f"{role} {form.action} with {separator!r} answered {response.status_code}"
                )

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def post_everything(data: st.DataObject) -> None:
        for role, role_forms in forms.items():
            for form in role_forms:
                values: dict[str, object] = dict(form.hidden)
                for name, kind in form.texts:
                    # Mostly well-formed where the type needs it, so the nasty text in the
                    # other fields gets past validation and into stored rows and mail.
                    valid = VALID.get(kind)
                    use_valid = valid is not None and data.draw(st.integers(0, 3)) > 0
                    values[name] = data.draw(
                        valid if use_valid else TEXT, label=f"{form.action} {name}"
                    )
                for name, options in form.selects.items():
                    choice = st.sampled_from(options) if options else TEXT
                    pick_listed = options and data.draw(st.integers(0, 3)) > 0
                    values[name] = data.draw(choice if pick_listed else TEXT)
                for name, value in form.checkboxes:
                    if data.draw(st.booleans()):
                        values[name] = value
                if form.method == "post":
                    response = clients[role].post(form.action, data=values)
                else:
                    response = clients[role].get(form.action, query_string=values)
                answered.append((form.action, response.status_code))
                assert response.status_code < 500, (
                    f"{role} {form.method.upper()} {form.action} answered "
                    f"{response.status_code}: {values!r}"
                )

    post_everything()
    posted = [code for _action, code in answered]
    assert posted.count(302) + posted.count(303) >= 20, "too few posts got past validation"

    # Everything queued goes out or is parked with a reason; nothing blocks the queue.
    with app.app_context():
        later = clock.now() + timedelta(days=30)
        for day in range(0, 30, 3):
            mail_jobs.deliver(now=clock.now() + timedelta(days=day))
        mail_jobs.deliver(now=later)
        stuck = app_rows_stuck()
        assert not stuck, stuck

    # A message queued after all of that still arrives.
    before = len(smtp_server.messages)
    reset = app.test_client()
    response = support.post_form(reset, "/password/forgot", {"email": people["emails"]["hr"]})
    assert response.status_code == 302
    response.close()  # the reset link is queued once the answer is finished
    with app.app_context():
        mail_jobs.deliver(now=clock.now() + timedelta(minutes=1))
    arrived = smtp_server.wait_for(before + 1)
    assert any(m["To"] == people["emails"]["hr"] for m in arrived[before:])


def app_rows_stuck() -> list[tuple[int, str, str | None]]:
    """Pending messages that failed and would be retried forever (parked ones are fine)."""
    from portal.core.extensions import db

    rows = db.session.scalars(
        select(OutgoingEmail).where(
            OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.last_error.is_not(None)
        )
    ).all()
    return [(row.id, row.kind, row.last_error) for row in rows]
