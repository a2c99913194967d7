"""The checklist in a real browser, in English and German, at 375 px and 1280 px, checked by
axe-core and the Nu HTML checker: the candidate ticks tasks off and back and uploads a document
(a hostile one refused beside its field), without JavaScript too; HR's template list and form;
the staff's view of a candidate's checklist and its progress on the recruiter's pages."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.extensions import db
from portal.demo import load as demo
from portal.people.models import User
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields, Target
from tests import browser as tools
from tests.support import post_form

pytestmark = pytest.mark.browser

CHLOE = demo.CANDIDATES[0]  # joins in two days, in Paris
RECRUITER = CHLOE.recruiter_email
WIDE = {"width": 1280, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [tools.PHONE, WIDE], ids=["375px", "1280px"])
LANGUAGES = pytest.mark.parametrize("language", ["en", "de"])
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
WORDS = {
    "en": {
        "things": "Things to do",
        "read": "Mark as read",
        "undo": "Undo",
        "upload": "Upload",
        "document": "Your document",
        "not_pdf": "That file is not a PDF, PNG or JPEG.",
        "uploaded": "Thank you: your document for “Send a copy of your ID” is uploaded.",
        "progress": "1 of 4 done",
        "timeline": "Timeline",
        "add": "Add a milestone or a task",
        "add_it": "Add it",
        "title_error": "Enter a title.",
        "checklist": "Chloé Dubois's checklist",
    },
    "de": {
        "things": "Zu erledigen",
        "read": "Als gelesen markieren",
        "undo": "Rückgängig machen",
        "upload": "Hochladen",
        "document": "Ihr Dokument",
        "not_pdf": "Diese Datei ist keine PDF-, PNG- oder JPEG-Datei.",
        "uploaded": "Vielen Dank: Ihr Dokument für „Send a copy of your ID“ ist hochgeladen.",
        "progress": "1 von 4 erledigt",
        "timeline": "Zeitleiste",
        "add": "Meilenstein oder Aufgabe hinzufügen",
        "add_it": "Hinzufügen",
        "title_error": "Bitte geben Sie einen Titel ein.",
        "checklist": "Checkliste von Chloé Dubois",
    },
}


def _named(action: str, title: str) -> re.Pattern[str]:
    """A task's button: its action, then (for screen readers) the task it is for."""
    return re.compile(rf"^{re.escape(action)} .*{re.escape(title)}")


@pytest.fixture
def live_server(make_app):
    """The demo with four tasks of its own for Chloé (one of them overdue, one for Paris only)."""
    server = tools.start_live_server(make_app())
    with server.app.app_context():
        hr = db.session.scalars(select(User).where(User.email == demo.HR_EMAIL)).one()
        for row in timeline.templates():  # the demo's own tasks give way to these four
            if row.kind != "milestone":
                timeline.delete_template(hr, row)
        for values, target in (
            (MilestoneFields("Send a copy of your ID", -10, kind="upload"), Target()),
            (MilestoneFields("Read the staff handbook", -1, kind="read"), Target()),
            (MilestoneFields("Confirm your bank details", -1, kind="confirm"), Target()),
            (
                MilestoneFields("Acknowledge the IT security policy", 0, kind="acknowledge"),
                Target("Paris", ""),
            ),
        ):
            timeline.create_template(hr, values, target)
        db.session.commit()
        server.chloe_id = db.session.scalars(select(User.id).where(User.email == CHLOE.email)).one()
        db.session.remove()
    yield server
    server.stop()


def _speak(server, language: str, *emails: str) -> None:
    """These people read the portal in `language` (their profile's choice)."""
    with server.app.app_context():
        for user in db.session.scalars(select(User).where(User.email.in_(emails))):
            user.language = language
        db.session.commit()
        db.session.remove()


@LANGUAGES
@VIEWPORTS
def test_the_candidate_works_through_the_checklist(new_page, live_server, language, viewport):
    tools.require_axe()
    words = WORDS[language]
    page = tools.signed_in(new_page, CHLOE.email, viewport=viewport, bypass_csp=True)
    _speak(live_server, language, CHLOE.email)
    page.goto("/candidate/checklist")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["things"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".task")).to_have_count(4)
    expect(page.locator(".task-overdue")).to_have_count(1)
    tools.assert_fits(page, "the checklist", width=viewport["width"])
    tools.assert_no_axe_violations(page, f"the checklist ({language}, {viewport['width']} px)")

    page.get_by_role("button", name=_named(words["read"], "Read the staff handbook")).click()
    done = page.get_by_role("region", name=words["things"]).or_(page.locator("main"))
    expect(
        done.get_by_role("button", name=_named(words["undo"], "Read the staff handbook"))
    ).to_be_visible()
    page.get_by_role("button", name=_named(words["undo"], "Read the staff handbook")).click()
    expect(
        page.get_by_role("button", name=_named(words["read"], "Read the staff handbook"))
    ).to_be_visible()

    # A web page named as a PDF: refused beside the field, what was typed kept on the page.
    field = page.get_by_label(re.compile(words["document"]))
    field.set_input_files(
        files=[
            {"name": "id.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>x</script>"}
        ]
    )
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name=_named(words["upload"], "Send a copy of your ID")).click()
    assert sent.value.status == 422
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-message").first).to_contain_text(words["not_pdf"])
    tools.assert_fits(page, "the checklist with an error", width=viewport["width"])
    tools.assert_no_axe_violations(page, "the checklist with an upload refused")

    page.get_by_label(re.compile(words["document"])).set_input_files(
        files=[{"name": "id-card.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=_named(words["upload"], "Send a copy of your ID")).click()
    expect(page.locator(".flash")).to_contain_text(words["uploaded"])
    expect(page.locator(".checklist-progress")).to_contain_text(words["progress"])
    expect(page.locator(".task-document a")).to_have_attribute(
        "href", re.compile(r"documents/\d+$")
    )
    tools.assert_no_axe_violations(page, "the checklist with a document")


def test_ticking_off_needs_no_javascript(new_page, live_server):
    page = tools.signed_in(new_page, CHLOE.email, viewport=tools.PHONE, java_script=False)
    page.goto("/candidate/checklist")
    page.get_by_role("button", name=_named("Confirm", "Confirm your bank details")).click()
    expect(
        page.get_by_role("button", name=_named("Undo", "Confirm your bank details"))
    ).to_be_visible()
    expect(page.locator(".checklist-progress")).to_contain_text("1 of 4 done, 1 overdue")
    assert page.url.endswith("/candidate/checklist#task-" + page.url.split("#task-")[-1])


@LANGUAGES
@VIEWPORTS
def test_hr_keeps_the_tasks_and_the_staff_see_the_progress(
    new_page, live_server, language, viewport
):
    tools.require_axe()
    words = WORDS[language]
    page = tools.signed_in(new_page, demo.HR_EMAIL, viewport=viewport, bypass_csp=True)
    recruiter = tools.signed_in(new_page, RECRUITER, viewport=viewport, bypass_csp=True)
    _speak(live_server, language, demo.HR_EMAIL, RECRUITER)
    page.goto("/hr/timeline?kind=tasks")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["timeline"])
    expect(page.locator("tbody tr")).to_have_count(4)
    tools.assert_fits(page, "HR's timeline", width=viewport["width"])
    tools.assert_no_axe_violations(page, f"HR's timeline ({language})")

    page.get_by_role("link", name=words["add"]).click()
    page.get_by_role("radio").nth(3).check()  # upload a document
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name=words["add_it"]).click()
    assert sent.value.status == 422
    expect(page.locator("#title-error")).to_contain_text(words["title_error"])
    expect(page.get_by_role("radio").nth(3)).to_be_checked()
    tools.assert_fits(page, "the task form with errors", width=viewport["width"])
    tools.assert_no_axe_violations(page, "the task form with errors")

    page.goto(f"/hr/people/{live_server.chloe_id}/checklist")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["checklist"])
    tools.assert_fits(page, "HR's view of a checklist", width=viewport["width"])
    tools.assert_no_axe_violations(page, "HR's view of a checklist")

    recruiter.goto(f"/recruiter/candidates/{live_server.chloe_id}/checklist")
    expect(recruiter.locator(".badge-danger")).to_have_count(1)  # the ID copy is overdue
    tools.assert_no_axe_violations(recruiter, "the recruiter's view of a checklist")


@LANGUAGES
def test_the_checklist_pages_are_valid_html(live_server, tmp_path, language):
    _speak(live_server, language, CHLOE.email, demo.HR_EMAIL, RECRUITER)
    chloe = live_server.client_signed_in(CHLOE.email)
    hr = live_server.client_signed_in(demo.HR_EMAIL)
    recruiter = live_server.client_signed_in(RECRUITER)
    checklist_page = chloe.get("/candidate/checklist").get_data(as_text=True)
    upload = re.search(r'action="(/candidate/checklist/\d+/upload)"', checklist_page).group(1)
    refused = post_form(
        chloe,
        upload,
        {"document": (io.BytesIO(b"GIF89a"), "id.gif")},
        form_url="/candidate/checklist",
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    form_errors = post_form(
        hr, "/hr/timeline/new", {"title": "", "day_offset": "x", "kind": "upload"}
    )
    assert form_errors.status_code == 422
    chloe_id = live_server.chloe_id
    documents = {
        "checklist": checklist_page,
        "checklist-refused": refused.get_data(as_text=True),
        "home": chloe.get("/candidate/").get_data(as_text=True),
        "hr-timeline": hr.get("/hr/timeline").get_data(as_text=True),
        "hr-timeline-tasks": hr.get("/hr/timeline?kind=tasks&location=Paris").get_data(
            as_text=True
        ),
        "hr-form": hr.get("/hr/timeline/new").get_data(as_text=True),
        "hr-form-errors": form_errors.get_data(as_text=True),
        "hr-candidate-timeline": hr.get(f"/hr/people/{chloe_id}/timeline").get_data(as_text=True),
        "hr-checklist": hr.get(f"/hr/people/{chloe_id}/checklist").get_data(as_text=True),
        "recruiter-checklist": recruiter.get(
            f"/recruiter/candidates/{chloe_id}/checklist"
        ).get_data(as_text=True),
        "recruiter-candidate": recruiter.get(f"/recruiter/candidates/{chloe_id}").get_data(
            as_text=True
        ),
        "recruiter-board": recruiter.get("/recruiter/").get_data(as_text=True),
    }
    assert 'aria-invalid="true"' in documents["checklist-refused"]
    assert f'lang="{language}"' in documents["checklist"]
    tools.assert_valid_html(
        {f"{name}-{language}": html for name, html in documents.items()}, tmp_path
    )
