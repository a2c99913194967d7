"""HR's bulk offers: a CSV checked row by row, previewed, then created all or none."""

from __future__ import annotations

import html
import io
import re
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.accounts import offer_import
from portal.core.extensions import db
from portal.engagement.models import CandidateSummary
from portal.mail import jobs as mail_jobs
from portal.mail import notifications
from portal.mail.models import EmailStatus, OutgoingEmail
from portal.people.models import AuditEntry, CandidateProfile, Role, User
from tests import support
from tests.support import csrf_token, sign_in

HEADER = "name,email,job title,joining date,joining time,location,department,recruiter"
SOON = (date.today() + timedelta(days=30)).isoformat()
CREATE = re.compile(r'name="upload"[^>]*value="([^"]+)"')


def _line(name="Nina Noor", email="nina@example.com", day=SOON, at="09:30", recruiter=None):
    recruiter = "rec.a@example.com" if recruiter is None else recruiter
    return f"{name},{email},Analyst,{day},{at},Lyon,Finance,{recruiter}"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join((header, *lines)) + "\r\n").encode()


def _hr(client, people):
    sign_in(client, people["emails"]["hr"])
    return client


def _upload(client, data: bytes, **extra):
    page = client.get("/hr/people/import")
    form = {"csrf_token": csrf_token(page.get_data(as_text=True)), **extra}
    form["file"] = (io.BytesIO(data), "offers.csv")
    return client.post("/hr/people/import", data=form, content_type="multipart/form-data")


def _create(client, preview):
    page = preview.get_data(as_text=True)
    upload = CREATE.search(page)
    assert upload, "no Create button on the preview"
    form = {"csrf_token": csrf_token(page), "upload": html.unescape(upload.group(1))}
    return client.post("/hr/people/import/create", data=form)


def _row_html(page: str, number: int) -> str:
    match = re.search(rf'<tr id="row-{number}">(.*?)</tr>', page, re.S)
    assert match, f"row {number} is not on the page"
    return html.unescape(match.group(1))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_each_malformed_row_gets_its_error_beside_it_and_nothing_is_created(app, client, people):
    past = (date.today() - timedelta(days=3)).isoformat()
    data = _csv(
        _line(),
        _line(email="not an email"),
        _line(email="d@example.com", day="31/12/2027"),
        _line(email="p@example.com", day=past),
        _line(email="r@example.com", recruiter="nobody@example.com"),
        _line(name="", email="m@example.com"),
        _line(email="b@example.com", recruiter="cand.a@example.com"),  # a candidate, no recruiter
    )
    users = _count(app, User)
    response = _upload(_hr(client, people), data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ready" in _row_html(page, 2)
    assert "Enter an email address like name@example.com." in _row_html(page, 3)
    assert "Enter the joining date as YYYY-MM-DD." in _row_html(page, 4)
    assert "That date has passed" in _row_html(page, 5)
    assert "No active recruiter has this email address." in _row_html(page, 6)
    assert "No active recruiter has this email address." in _row_html(page, 8)
    assert "Enter a name." in _row_html(page, 7)
    assert "6 rows of 7 have problems" in page
    assert 'name="upload"' not in page and "Create " not in page
    assert _count(app, User) == users


def test_duplicates_in_the_file_and_existing_accounts_are_flagged_per_row(app, client, people):
    data = _csv(
        _line(email="twin@example.com"),
        _line(name="Other Twin", email="TWIN@example.com"),
        _line(email=people["emails"]["candidate_a"]),
        _line(email=people["emails"]["recruiter_b"]),
    )
    page = _upload(_hr(client, people), data).get_data(as_text=True)
    assert "Ready" in _row_html(page, 2)
    assert "The same email address as row 2" in _row_html(page, 3)
    for number in (4, 5):
        assert "Someone already has an account with this email address." in _row_html(page, number)


def test_a_windows_1252_file_is_refused_with_a_clear_message(app, client, people):
    data = _csv(_line(name="José Écija")).decode().encode("cp1252")
    users = _count(app, User)
    response = _upload(_hr(client, people), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This file is not in UTF-8 (line 2" in page and "CSV UTF-8" in page
    assert 'id="file-error"' in page  # beside the upload field
    assert "JosÃ©" not in page and 'name="upload"' not in page
    assert _count(app, User) == users


def test_bom_and_header_spelling_are_accepted_and_candidates_are_created_like_one(
    app, client, people, smtp_server
):
    header = "Name;EMAIL; Job_Title ;Joining-Date;joining time;Location;DEPARTMENT;Recruiter"
    lines = [
        _line(name="José Écija", email="jose@example.com").replace(",", ";"),
        _line(name="Ana Lima", email="ana@example.com", recruiter="rec.b@example.com").replace(
            ",", ";"
        ),
    ]
    data = b"\xef\xbb\xbf" + _csv(*lines, header=header)
    client = _hr(client, people)
    preview = _upload(client, data)
    assert preview.status_code == 200
    assert "Create 2 candidates" in preview.get_data(as_text=True)
    response = _create(client, preview)
    assert response.status_code == 302 and response.headers["Location"] == "/hr/"
    people_page = client.get("/hr/").get_data(as_text=True)
    assert "2 candidates added" in people_page and "José Écija" in people_page
    with app.app_context():
        jose = db.session.scalar(select(User).where(User.email == "jose@example.com"))
        assert jose.name == "José Écija" and jose.role == Role.CANDIDATE
        assert jose.time_zone == "UTC"  # the uploader's, as the form's default
        profile = jose.candidate_profile
        assert (profile.job_title, profile.location, profile.department) == (
            "Analyst",
            "Lyon",
            "Finance",
        )
        assert profile.recruiter_id == people["ids"]["recruiter_a"]
        assert str(profile.joining_date) == SOON and profile.joining_time.isoformat() == "09:30:00"
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_user_id == jose.id)
        ).all()
        assert sorted(actions) == ["candidate.created", "invitation.sent"]
        assert db.session.get(CandidateSummary, jose.id) is not None
        queued = db.session.scalars(select(OutgoingEmail)).all()
        assert {(e.to_address, e.kind, e.status) for e in queued} == {
            ("jose@example.com", "invitation", EmailStatus.PENDING),
            ("ana@example.com", "invitation", EmailStatus.PENDING),
        }
    # Nothing was sent by the page: the mail queue sends them, as the worker does.
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        assert mail_jobs.deliver() == 2
    assert {m["To"] for m in smtp_server.wait_for(2)} == {"jose@example.com", "ana@example.com"}


def test_missing_unknown_columns_and_caps_are_clear(app, client, people):
    client = _hr(client, people)
    missing = _upload(client, _csv(header="name,email,salary")).get_data(as_text=True)
    assert "Missing columns: “job title”, “joining date”" in missing
    assert "Unknown column: “salary”" in missing
    app.config["OFFER_IMPORT_MAX_ROWS"] = 2
    rows = _upload(client, _csv(_line(), _line(), _line())).get_data(as_text=True)
    assert "This file has more than 2 offers" in rows
    app.config["OFFER_IMPORT_MAX_BYTES"] = 1024
    big = _upload(client, _csv(*[_line()] * 20)).get_data(as_text=True)
    assert "This file is 2 KB; the limit is 1 KB. Split it into smaller files." in big
    app.config["OFFER_IMPORT_MAX_BYTES"] = 2 * 1024 * 1024
    nothing = _upload(client, b"").get_data(as_text=True)
    assert "This file is empty" in nothing or "Choose a CSV file to upload." in nothing


def test_a_file_larger_than_the_usual_form_limit_is_read_and_created(app, client, people):
    """The file (and, on the create step, its signed copy in a field) may be larger than the
    portal's limit for ordinary forms: the upload views make room before any check reads."""
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    app.config["MAX_FORM_MEMORY_SIZE"] = 8 * 1024
    lines = [_line(name=f"Person {n}", email=f"person{n}@example.com") for n in range(600)]
    data = _csv(*lines)
    assert len(data) > 2 * 16 * 1024
    client = _hr(client, people)
    preview = _upload(client, data)
    assert preview.status_code == 200, preview.status_code
    assert "Create 600 candidates" in preview.get_data(as_text=True)
    assert _create(client, preview).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) >= 600


def test_a_changed_or_foreign_upload_is_never_trusted(app, client, people):
    client = _hr(client, people)
    preview = _upload(client, _csv(_line()))
    page = preview.get_data(as_text=True)
    value = html.unescape(CREATE.search(page).group(1))
    forged = {"csrf_token": csrf_token(page), "upload": value[:-3] + "abc"}
    response = client.post("/hr/people/import/create", data=forged)
    assert response.headers["Location"] == "/hr/people/import"
    assert "That upload has expired" in client.get("/hr/people/import").get_data(as_text=True)
    with app.app_context():  # someone takes the address between the preview and "Create"
        support.make_candidate("nina@example.com", None)
    users = _count(app, User)
    again = _create(client, preview)
    assert again.status_code == 422
    assert "Someone already has an account" in _row_html(again.get_data(as_text=True), 2)
    assert _count(app, User) == users


def test_an_address_taken_after_the_check_creates_nothing(app, client, people, monkeypatch):
    lines = [_line(name=f"Person {n}", email=f"p{n}@example.com") for n in range(60)]
    lines[45] = _line(email=people["emails"]["candidate_b"])
    client = _hr(client, people)
    # Another request takes the address between the row checks and the creation.
    monkeypatch.setattr(offer_import, "existing_emails", lambda emails: set())
    preview = _upload(client, _csv(*lines))
    before = {model: _count(app, model) for model in (User, AuditEntry, OutgoingEmail)}
    response = _create(client, preview)
    assert response.status_code == 422
    assert "Nothing was created. Someone already has an account" in response.get_data(as_text=True)
    assert {model: _count(app, model) for model in before} == before


def test_a_failure_half_way_through_leaves_nothing_half_created(app, client, people, monkeypatch):
    client = _hr(client, people)
    preview = _upload(client, _csv(*[_line(email=f"p{n}@example.com") for n in range(60)]))
    before = {model: _count(app, model) for model in (User, AuditEntry, OutgoingEmail)}
    queue, calls = notifications.queue, []

    def failing_queue(**kwargs):  # the 47th invitation cannot be queued (a broken template…)
        calls.append(1)
        if len(calls) == 47:
            raise RuntimeError("the mail template is broken")
        return queue(**kwargs)

    monkeypatch.setattr(notifications, "queue", failing_queue)
    with pytest.raises(RuntimeError):
        _create(client, preview)
    assert len(calls) == 47  # 46 users, profiles, audit entries and emails were flushed
    assert {model: _count(app, model) for model in before} == before


def test_csrf_is_required(app, client, people):
    client = _hr(client, people)
    preview = _upload(client, _csv(_line()))
    value = html.unescape(CREATE.search(preview.get_data(as_text=True)).group(1))
    upload = client.post(
        "/hr/people/import",
        data={"file": (io.BytesIO(_csv(_line())), "offers.csv")},
        content_type="multipart/form-data",
    )
    create = client.post("/hr/people/import/create", data={"upload": value})
    assert (upload.status_code, create.status_code) == (400, 400)
    assert _count(app, CandidateProfile) == 2


@pytest.mark.parametrize("persona", ["candidate_a", "recruiter_a"])
def test_only_hr_sees_the_import(client, people, persona):
    sign_in(client, people["emails"][persona])
    token = csrf_token(client.get("/account/password").get_data(as_text=True))
    assert client.get("/hr/people/import").status_code == 404
    create = client.post("/hr/people/import/create", data={"csrf_token": token, "upload": "x"})
    assert create.status_code == 404


def test_five_thousand_rows_are_checked_and_created_in_one_transaction(app, client, people):
    lines = [
        _line(name=f"Person {n}", email=f"person{n}@example.com", recruiter="rec.b@example.com")
        for n in range(5000)
    ]
    data = _csv(*lines)
    client = _hr(client, people)
    statements: list[str] = []
    commits: list[int] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)

    def committed(_conn):
        commits.append(1)

    event.listen(engine, "commit", committed)
    try:
        started = time.monotonic()
        preview = _upload(client, data)
        checked = time.monotonic() - started
        preview_statements = len(statements)
        assert preview.status_code == 200
        page = preview.get_data(as_text=True)
        assert "Create 5,000 candidates" in page
        assert "Showing 200 of 5,000 rows" in page
        commits.clear()
        started = time.monotonic()
        response = _create(client, preview)
        created = time.monotonic() - started
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", committed)
    print(f"5,000 rows: checked in {checked:.1f} s, created in {created:.1f} s")
    assert response.status_code == 302
    assert len(commits) == 1, "all 5,000 in one transaction"
    assert preview_statements < 40  # the existing-account check is a few chunked queries
    assert checked < 20 and created < 240, (checked, created)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(CandidateProfile)
                .where(CandidateProfile.recruiter_id == people["ids"]["recruiter_b"])
            )
            == 5001
        )
    assert _count(app, OutgoingEmail) == 5000


def test_parse_reads_spreadsheet_quirks():
    data = _csv(
        _line(),
        ",,,,,,,",  # a blank line a spreadsheet left
        '"Smith, Jo",jo@example.com,Analyst,2030-01-01,09:00,"Lyon, FR",Finance,r@x.com,extra',
    )
    columns, rows = offer_import.parse(data, max_bytes=10_000, max_rows=10)
    assert columns[0] == "name" and [row.number for row in rows] == [2, 4]
    assert rows[1].cells["name"] == "Smith, Jo" and rows[1].cells["location"] == "Lyon, FR"
    assert rows[1].errors_in("") == ["This row has 9 cells; the first row names 8."]
    with pytest.raises(offer_import.OfferFileError, match="UTF-16"):
        offer_import.parse("name".encode("utf-16"), max_bytes=10_000, max_rows=10)
    with pytest.raises(offer_import.OfferFileError, match="no offers"):
        offer_import.parse(_csv(), max_bytes=10_000, max_rows=10)


@pytest.mark.browser
def test_the_preview_reads_well_in_a_browser(new_page, live_server, tmp_path):
    """Upload through the real file field on a phone; axe and the Nu checker find nothing on the
    preview, with problems and without."""
    from playwright.sync_api import expect

    from portal.demo import load as demo
    from tests import browser as tools

    recruiter = demo.RECRUITERS[0][1]
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=tools.PHONE, bypass_csp=True)
    page.goto("/hr/")
    page.get_by_role("link", name="Add candidates from a CSV file").click()
    documents = {}
    for name, data in {
        "offers-wrong": _csv(_line(recruiter=recruiter), _line(email="oops", recruiter=recruiter)),
        "offers-ready": _csv(_line(name="Zoë Ready", email="zoe@example.com", recruiter=recruiter)),
    }.items():
        page.get_by_label("CSV file of offers").set_input_files(
            {"name": "offers.csv", "mimeType": "text/csv", "buffer": data}
        )
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.get_by_role("button", name="Check the file").click()
        documents[name] = sent.value.text()  # as the server wrote it, before axe is injected
        expect(page.get_by_role("heading", level=1)).to_have_text("Check the offers")
        tools.assert_no_axe_violations(page, name)
        tools.assert_fits(page, name)
    expect(page.locator("#row-2")).to_contain_text("Ready")
    tools.assert_valid_html(documents, tmp_path)
    page.get_by_role("button", name="Create 1 candidate").click()
    expect(page.get_by_text("1 candidate added.")).to_be_visible()
