"""HR chooses a new candidate's language: their invitation, the page its link opens and the
portal are in it until they choose another. The same choice and check on HR's forms, the
candidate's profile and HR's CSV of offers (the API's: tests/api/test_api_language.py)."""

from __future__ import annotations

import html
import io
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from portal.accounts import languages
from portal.accounts import operations as accounts
from portal.accounts.operations import CandidateDetails
from portal.core import inputs
from portal.core.extensions import db
from portal.core.i18n import gettext, in_language
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, User
from tests.support import candidate_edit_form, csrf_token, post_form, sign_in

SOON = (date.today() + timedelta(days=40)).isoformat()
INVITATION_LINK = re.compile(r"/invitation/([A-Za-z0-9_\-]+)")
BAD_CHOICE = "Choose one of the languages in the list."


def _hr(client, people):
    sign_in(client, people["emails"]["hr"])
    return client


def _german(app, text: str) -> str:
    """`text` as the German catalogue has it (and it must have it: else the test proves
    nothing about the language)."""
    with app.test_request_context(), in_language("de"):
        translated = gettext(text)
    assert translated != text, f"the German catalogue lacks {text!r}"
    return translated


def _new_candidate(people, **overrides: str) -> dict[str, str]:
    data = {
        "name": "Greta Gruber",
        "email": "greta@example.com",
        "time_zone": "Europe/Berlin",
        "language": "de",
        "job_title": "Analyst",
        "department": "Finance",
        "location": "Berlin",
        "joining_date": SOON,
        "joining_time": "09:00",
        "joining_time_zone": "Europe/Berlin",
        "recruiter_id": str(people["ids"]["recruiter_a"]),
    }
    data.update(overrides)
    return data


def _error_beside(page: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error beside {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def _invitation(app, user_id: int) -> OutgoingEmail:
    with app.app_context():
        (email,) = db.session.scalars(
            select(OutgoingEmail).where(
                OutgoingEmail.to_user_id == user_id, OutgoingEmail.kind == "invitation"
            )
        )
        db.session.expunge(email)
        return email


def test_the_form_offers_each_language_named_in_itself_with_a_label_and_a_hint(client, people):
    page = _hr(client, people).get("/hr/candidates/new").get_data(as_text=True)
    assert '<label class="label" for="language">Language</label>' in page
    select_tag = re.search(r"<select[^>]*\bname=\"language\"[^>]*>(.*?)</select>", page, re.S)
    assert select_tag, "no language select"
    assert 'aria-describedby="language-hint"' in select_tag.group(0)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select_tag.group(1))
    assert [label for _attrs, label in options] == ["English", "Deutsch"]
    assert [re.search(r'lang="(\w+)"', attrs).group(1) for attrs, _label in options] == ["en", "de"]
    assert "selected" in options[0][0], "the portal's default language is chosen"
    hint = re.search(r'<p class="hint" id="language-hint">(.*?)</p>', page, re.S)
    assert hint and "invitation" in hint.group(1) and "until they choose" in hint.group(1)


def test_a_german_candidate_is_invited_in_german_and_the_link_opens_in_german(app, client, people):
    response = post_form(
        _hr(client, people), "/hr/candidates/new", _new_candidate(people, send_invitation="y")
    )
    assert response.status_code == 302
    greta = _user(app, "greta@example.com")
    assert greta is not None and greta.language == "de"

    invitation = _invitation(app, greta.id)
    assert invitation.subject == _german(app, "Welcome! Set up your pre-boarding account")
    assert _german(app, "Set up your account by choosing a password:") in invitation.body_text
    assert "Set up your account by choosing a password:" not in invitation.body_text

    # Her first visit, from a browser that asks for English and has no language chosen yet.
    link = INVITATION_LINK.search(invitation.body_text)
    assert link, invitation.body_text
    visitor = app.test_client()
    page = visitor.get(f"/invitation/{link.group(1)}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<html lang="de">' in page
    assert _german(app, "Set password and continue") in html.unescape(page)
    # A visitor who chose English with the footer's switch keeps it.
    visitor.set_cookie("portal_language", "en")
    chosen = visitor.get(f"/invitation/{link.group(1)}").get_data(as_text=True)
    assert '<html lang="en">' in chosen and "Set password and continue" in chosen


def test_left_as_it_is_the_language_is_the_portals_default(app, client, people):
    data = _new_candidate(people)
    del data["language"]  # as an older page or another tool would post it
    assert post_form(_hr(client, people), "/hr/candidates/new", data).status_code == 302
    assert _user(app, "greta@example.com").language == languages.default_language() == "en"


@pytest.mark.parametrize("value", ["xx", "", "Deutsch"])
def test_an_unknown_language_is_an_error_beside_the_field_and_nothing_is_saved(
    app, client, people, value
):
    response = post_form(
        _hr(client, people),
        "/hr/candidates/new",
        _new_candidate(people, language=value, send_invitation="y"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert BAD_CHOICE in _error_beside(page, "language")
    assert 'aria-describedby="language-hint language-error"' in page
    assert _user(app, "greta@example.com") is None
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail)).all() == []


def test_hr_changes_the_language_on_the_edit_form_and_the_audit_log_shows_it(app, client, people):
    alice = people["ids"]["candidate_a"]
    _hr(client, people)
    form = client.get(f"/hr/people/{alice}/edit").get_data(as_text=True)
    assert re.search(
        r'<option[^>]*selected[^>]*value="en"|<option[^>]*value="en"[^>]*selected', form
    )

    wrong = post_form(
        client, f"/hr/people/{alice}/edit", candidate_edit_form(app, alice, language="fr")
    )
    assert wrong.status_code == 422
    assert BAD_CHOICE in _error_beside(wrong.get_data(as_text=True), "language")

    saved = post_form(
        client, f"/hr/people/{alice}/edit", candidate_edit_form(app, alice, language="de")
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(User, alice).language == "de"
        (entry,) = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "candidate.updated", AuditEntry.field == "language"
            )
        )
        assert (entry.old_value, entry.new_value, entry.actor_id) == (
            "en",
            "de",
            people["ids"]["hr"],
        )
        # A language change is no joining change: the candidate is not emailed about it.
        assert db.session.scalars(select(OutgoingEmail)).all() == []
    person = client.get(f"/hr/people/{alice}").get_data(as_text=True)
    assert '<dd lang="de">Deutsch</dd>' in person
    audit = client.get("/hr/audit").get_data(as_text=True)
    assert re.search(r"· language</td>\s*<td>.*?</td>\s*<td>en</td>\s*<td>de</td>", audit, re.S)

    # Left out of the post (an older page), the language stays as it is.
    data = candidate_edit_form(app, alice, job_title="Lead Analyst")
    assert "language" not in data
    assert post_form(client, f"/hr/people/{alice}/edit", data).status_code == 302
    with app.app_context():
        assert db.session.get(User, alice).language == "de"


def test_the_operations_refuse_an_unknown_language_beside_its_field(app, people):
    with app.app_context():
        hr = db.session.get(User, people["ids"]["hr"])
        details = CandidateDetails(
            job_title="Analyst",
            department="",
            location="",
            joining_date=date.today() + timedelta(days=40),
            joining_time=time(9, 0),
            joining_time_zone="UTC",
            recruiter_id=None,
        )
        with pytest.raises(accounts.AccountError) as refused:
            accounts.create_candidate(
                actor=hr,
                email="x@example.com",
                name="X",
                time_zone="UTC",
                details=details,
                language="klingon",
            )
        assert refused.value.field == "language"
        db.session.rollback()


def test_one_check_for_every_way_in(app):
    with app.test_request_context():
        assert languages.language_code(" DE ") == "de"
        assert languages.optional_language("") == "en"
        with pytest.raises(inputs.InputError) as refused:
            languages.optional_language("German")
        assert refused.value.message == (
            "Use one of the portal's languages: en (English), de (Deutsch)."
        )
        assert [(c.value, c.label, c.render_kw) for c in languages.choices()] == [
            ("en", "English", {"lang": "en"}),
            ("de", "Deutsch", {"lang": "de"}),
        ]


# --- HR's CSV of offers ------------------------------------------------------------------------

HEADER = "name,email,job title,joining date,joining time,location,department,recruiter"
UPLOAD = re.compile(r'name="upload"[^>]*value="([^"]+)"')


def line(name="Nina Noor", email="nina@example.com", language: str | None = None) -> str:
    cells = [name, email, "Analyst", SOON, "09:30", "Lyon", "Finance", "rec.a@example.com"]
    return ",".join(cells if language is None else [*cells, language])


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join((header, *lines)) + "\r\n").encode()


def upload(client, data: bytes):
    page = client.get("/hr/people/import").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "file": (io.BytesIO(data), "offers.csv")}
    return client.post("/hr/people/import", data=form, content_type="multipart/form-data")


def create(client, preview):
    page = preview.get_data(as_text=True)
    found = UPLOAD.search(page)
    assert found, "no Create button on the preview"
    form = {"csrf_token": csrf_token(page), "upload": html.unescape(found.group(1))}
    return client.post("/hr/people/import/create", data=form)


def row_html(page: str, number: int) -> str:
    match = re.search(rf'<tr id="row-{number}">(.*?)</tr>', page, re.S)
    assert match, f"row {number} is not on the page"
    return html.unescape(match.group(1))


def test_the_csv_takes_a_language_column_and_a_bad_value_is_said_beside_its_row(
    app, client, people
):
    client = _hr(client, people)
    wrong = upload(
        client,
        csv_file(
            line(email="de@example.com", language="de"),
            line(email="xx@example.com", language="Klingon"),
            header=HEADER + ",language",
        ),
    )
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "Ready" in row_html(page, 2)
    row = row_html(page, 3)
    assert "Problem with the language:" in row
    assert "Use one of the portal's languages: en (English), de (Deutsch)." in row
    assert _user(app, "de@example.com") is None, "nothing is created from a file with a problem"

    preview = upload(
        client,
        csv_file(
            line("Dora Deutsch", "de@example.com", language=" DE "),
            line("Emma English", "en@example.com", language=""),
            header=HEADER + ",language",
        ),
    )
    assert preview.status_code == 200
    assert create(client, preview).status_code == 302
    dora, emma = _user(app, "de@example.com"), _user(app, "en@example.com")
    assert (dora.language, emma.language) == ("de", "en"), "an empty cell: the default"
    subject = "Welcome! Set up your pre-boarding account"
    assert _invitation(app, dora.id).subject == _german(app, subject)
    assert _invitation(app, emma.id).subject == subject


def test_a_csv_without_the_language_column_still_works(app, client, people):
    preview = upload(_hr(client, people), csv_file(line()))
    assert preview.status_code == 200
    assert create(client, preview).status_code == 302
    assert _user(app, "nina@example.com").language == "en"


@pytest.mark.slow  # starts the Nu HTML checker's JVM
def test_the_pages_with_the_language_are_valid_html(app, client, people, tmp_path):
    from tests import browser as tools

    alice = people["ids"]["candidate_a"]
    _hr(client, people)
    refused = post_form(client, "/hr/candidates/new", _new_candidate(people, language="xx"))
    documents = {
        "new": client.get("/hr/candidates/new").get_data(as_text=True),
        "new-refused": refused.get_data(as_text=True),
        "edit": client.get(f"/hr/people/{alice}/edit").get_data(as_text=True),
        "person": client.get(f"/hr/people/{alice}").get_data(as_text=True),
    }
    report = tools.validate_html(documents, tmp_path)
    assert not report.errors, report.errors_text()
