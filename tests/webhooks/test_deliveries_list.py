"""An endpoint's delivery log at any size (issue 11): newest first, 50 a page with an "older"
link, filtered by status (delivered, failed, waiting); a bad status is explained on the page;
redelivery comes back to the same page; each message shows its latest attempts only; a fixed
number of SQL statements and a light page with more than a thousand messages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, insert, select

from portal.core.extensions import db
from portal.people.models import Role
from portal.webhooks import endpoints as webhook_endpoints
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from tests import list_pages
from tests.list_pages import BUDGET, MAX_BYTES, queries
from tests.support import make_staff, post_form, sign_in

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAGE = 50
STATES = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.PENDING)
# As long as a failure's words get: the status, then 160 characters of the answer's body.
ERROR = "the receiver answered 503 Service Unavailable: " + "upstream busy " * 11 + "…"
_ROW = re.compile(r'<tr id="message-(\d+)">')


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def endpoints(app):
    """The endpoint whose log is read, and another one whose messages must never show."""
    with app.app_context():
        make_staff(Role.HR, "helen@example.com", "Helen HR")
        made = [
            WebhookEndpoint(
                url=f"https://{name}.example.com/hooks",
                secret="whsec_" + "A" * 40,
                event_types=["question.asked"],
                created_at=NOW - timedelta(days=30),
            )
            for name in ("ats", "other")
        ]
        db.session.add_all(made)
        db.session.commit()
        return [endpoint.id for endpoint in made]


@pytest.fixture
def hr(app, endpoints):
    client = app.test_client()
    assert sign_in(client, "helen@example.com").status_code == 302
    return client


def insert_messages(app, endpoints: list[int], count: int, tries: int = 3) -> None:
    """`count` more messages in one bulk insert, most for the first endpoint (one in ten for
    the other), delivered, failed and waiting in turn; each failed one was tried `tries` times,
    each delivered one once."""
    with app.app_context():
        first = (db.session.scalar(select(func.count(WebhookMessage.id))) or 0) + 1
        numbers = range(first, first + count)
        messages = [
            {
                "endpoint_id": endpoints[1] if n % 10 == 0 else endpoints[0],
                "webhook_id": f"msg_{n:08d}",
                "event_type": "question.asked",
                "body": '{"type": "question.asked"}',
                "created_at": NOW - timedelta(minutes=count - n),
                "status": STATES[n % 3],
                "attempts": {"delivered": 1, "failed": tries, "pending": 0}[STATES[n % 3]],
                "next_attempt_at": NOW + timedelta(hours=1),
                "delivered_at": NOW if STATES[n % 3] == DeliveryStatus.DELIVERED else None,
                "last_error": ERROR if STATES[n % 3] == DeliveryStatus.FAILED else None,
            }
            for n in numbers
        ]
        returning = insert(WebhookMessage).returning(
            WebhookMessage.id, sort_by_parameter_order=True
        )
        ids = list(db.session.scalars(returning, messages))
        attempts = [
            {
                "message_id": message_id,
                "attempted_at": NOW - timedelta(minutes=count - n - attempt),
                "succeeded": message["status"] == DeliveryStatus.DELIVERED,
                "status_code": 200 if message["status"] == DeliveryStatus.DELIVERED else 503,
                "error": None if message["status"] == DeliveryStatus.DELIVERED else ERROR,
                "duration_ms": 40 + attempt,
            }
            for n, message_id, message in zip(numbers, ids, messages, strict=True)
            for attempt in range(message["attempts"])
        ]
        if attempts:
            db.session.execute(insert(WebhookAttempt), attempts)
        db.session.commit()


def expected(app, endpoint_id: int, status: str | None = None) -> list[int]:
    with app.app_context():
        query = select(WebhookMessage.id).where(WebhookMessage.endpoint_id == endpoint_id)
        if status:
            query = query.where(WebhookMessage.status == status)
        return list(db.session.scalars(query.order_by(WebhookMessage.id.desc())))


def listed(page: str) -> list[int]:
    return [int(found) for found in _ROW.findall(page)]


def older_link(page: str) -> str | None:
    return list_pages.next_link(page, "Older")


def every_page(client, path: str) -> list[list[int]]:
    return list_pages.every_page(client, path, listed, "Older")


def test_fifty_a_page_newest_first_and_older_pages_without_overlap_or_gap(app, endpoints, hr):
    insert_messages(app, endpoints, 1100)
    path = f"/hr/webhooks/{endpoints[0]}"
    first = hr.get(path).get_data(as_text=True)
    assert len(listed(first)) == PAGE
    assert "Delivered: 330, Failed: 330, Waiting: 330." in first  # the endpoint's own counts
    link = older_link(first)
    assert link is not None and link.startswith(f"{path}?before=")
    second = hr.get(link).get_data(as_text=True)
    assert len(listed(second)) == PAGE and f'href="{path}">Newest</a>' in second

    pages = every_page(hr, path)
    assert [len(ids) for ids in pages] == [PAGE] * 19 + [40]
    assert [i for ids in pages for i in ids] == expected(app, endpoints[0])


def test_the_status_filter_narrows_the_log(app, endpoints, hr):
    insert_messages(app, endpoints, 1000)
    path = f"/hr/webhooks/{endpoints[0]}"
    for status in STATES:
        shown = [i for ids in every_page(hr, f"{path}?status={status}") for i in ids]
        assert shown == expected(app, endpoints[0], status)
        assert len(shown) == 300
    failed = hr.get(f"{path}?status=failed").get_data(as_text=True)
    assert "Delivered</span>" not in failed and failed.count("Failed</span>") == PAGE
    assert "status=failed" in older_link(failed)
    with app.app_context():
        db.session.execute(
            WebhookMessage.__table__.delete().where(
                WebhookMessage.endpoint_id == endpoints[0],
                WebhookMessage.status == DeliveryStatus.PENDING,
            )
        )
        db.session.commit()
    none = hr.get(f"{path}?status=pending").get_data(as_text=True)
    assert listed(none) == [] and "No messages in this state." in none


@pytest.mark.parametrize("bad", ["sent", "DELIVERED", "x" * 300, "1"])
def test_a_bad_status_is_explained_and_left_out(app, endpoints, hr, bad):
    insert_messages(app, endpoints, 60)
    answer = hr.get(f"/hr/webhooks/{endpoints[0]}?status={bad}")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "The filter could not be used and was left out" in page
    assert "Choose delivered, failed or waiting, or every message." in page
    assert listed(page) == expected(app, endpoints[0])[:PAGE]


def test_cursors_past_the_end_find_nothing_and_other_endpoints_stay_out(app, endpoints, hr):
    insert_messages(app, endpoints, 60)
    for cursor in ("99999999999999999999", "1"):
        past = hr.get(f"/hr/webhooks/{endpoints[0]}?before={cursor}")
        assert past.status_code == 200 and listed(past.get_data(as_text=True)) == []
        assert "No older messages" in past.get_data(as_text=True)
    other = hr.get(f"/hr/webhooks/{endpoints[1]}").get_data(as_text=True)
    assert listed(other) == expected(app, endpoints[1]) and len(listed(other)) == 6


def test_each_message_shows_its_latest_attempts_only(app, endpoints, hr):
    insert_messages(app, endpoints, 60, tries=30)
    page = hr.get(f"/hr/webhooks/{endpoints[0]}?status=failed").get_data(as_text=True)
    first = page.split('<tr id="message-')[1]
    shown = webhook_endpoints.ATTEMPTS_SHOWN
    assert "30 attempts" in first and f"The last {shown}:" in first
    attempts = first.split("<ol>")[1].split("</ol>")[0]
    assert attempts.count("<li>") == shown
    durations = [int(ms) for ms in re.findall(r"(\d+) ms", attempts)]
    assert durations == list(range(70 - shown, 70))  # 40 to 69 ms: the last ones, oldest first


def test_redelivery_comes_back_to_the_same_page_of_the_same_log(app, endpoints, hr):
    insert_messages(app, endpoints, 400)
    path = f"/hr/webhooks/{endpoints[0]}?status=failed"
    second_path = older_link(hr.get(path).get_data(as_text=True))
    second = hr.get(second_path).get_data(as_text=True)
    message_id = listed(second)[2]
    action = unescape(
        re.search(
            rf'action="(/hr/webhooks/{endpoints[0]}/messages/{message_id}/redeliver[^"]*)"',
            second,
        ).group(1)
    )
    answer = post_form(hr, action, {}, form_url=second_path)
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith(f"/hr/webhooks/{endpoints[0]}?") and "status=failed" in back
    assert re.search(r"before=\d+", back).group(0) in second_path
    assert back.endswith(f"#message-{message_id}")
    with app.app_context():
        assert db.session.get(WebhookMessage, message_id).status == DeliveryStatus.PENDING


def test_a_fixed_number_of_queries_and_a_light_page_at_a_thousand_messages(app, endpoints, hr):
    insert_messages(app, endpoints, 60)
    base = f"/hr/webhooks/{endpoints[0]}"
    paths = [base, f"{base}?status=failed", f"{base}?status=delivered"]
    hr.get(base)
    small = {}
    for path in paths:
        small[path], page = queries(app, hr, path)
        link = older_link(page)
        small[path + " older"] = queries(app, hr, link)[0] if link else None
    insert_messages(app, endpoints, 1200, tries=40)  # failing messages tried for days
    assert webhook_endpoints.ATTEMPTS_SHOWN < 40
    for path in paths:
        count, page = queries(app, hr, path)
        assert count == small[path], path
        assert count <= BUDGET, (path, count)
        assert len(page.encode()) < MAX_BYTES, (path, len(page.encode()))
        if small[path + " older"] is not None:
            later, later_page = queries(app, hr, older_link(page))
            assert later == small[path + " older"] and len(later_page.encode()) < MAX_BYTES


@pytest.mark.browser
def test_the_log_passes_axe_and_the_html_checker_with_a_filter_an_error_and_pages(
    make_app, browser, tmp_path
):
    def seed(app) -> list[str]:
        with app.app_context():
            endpoint = WebhookEndpoint(
                url="https://ats.example.com/hooks",
                secret="whsec_" + "A" * 40,
                event_types=["question.asked"],
            )
            db.session.add(endpoint)
            db.session.commit()
            endpoint_id = endpoint.id
        insert_messages(app, [endpoint_id, endpoint_id], 120, tries=5)
        newest = expected(app, endpoint_id)
        base = f"/hr/webhooks/{endpoint_id}"
        return [
            f"{base}?status=sent",
            f"{base}?before=1",
            f"{base}?before={newest[PAGE - 1]}",
            f"{base}?status=failed",
        ]

    def redeliver_one(page) -> None:
        """A Redeliver button (outside the one form it submits) works in a real browser."""
        from playwright.sync_api import expect

        first = page.locator("tbody tr").first
        webhook_id = first.locator("code.webhook-id").inner_text()
        first.get_by_role("button", name=re.compile(r"^Redeliver")).click()
        expect(
            page.get_by_text(f"Message {webhook_id} is queued to be sent again.")
        ).to_be_visible()
        assert "status=failed" in page.url and "#message-" in page.url

    list_pages.check_in_a_browser(make_app, browser, tmp_path, seed, redeliver_one)
