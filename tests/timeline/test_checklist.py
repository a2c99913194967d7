"""The checklist: tasks (read, confirm, upload, acknowledge) in HR's template for everyone or
for one location and department, due relative to the joining date; ticked off and back by the
candidate with plain forms; their progress for the recruiter and HR; every change audited."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, User
from portal.timeline import checklist, dates
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields, Target
from portal.timeline.models import ChecklistTick, MilestoneTemplate, TaskKind
from tests import support

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
JOINING = date(2026, 12, 7)  # a Monday; Paris is UTC+1 then
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(PORTAL_CLOCK=NOW, CHECKLIST_DOCUMENTS_FOLDER=str(tmp_path / "documents"))


@pytest.fixture
def cast(app):
    """HR, two recruiters, Alice (Paris, Engineering) and Ben (Berlin, Sales), and a template:
    a plain milestone, tasks for everyone, one for Berlin, one for Engineering in Paris."""
    with app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        bob = support.make_staff(Role.RECRUITER, "bob@example.com", "Bob Recruiter")
        alice = support.make_candidate(
            "alice@example.com", rita, name="Alice A", joining_date=JOINING
        )
        ben = support.make_candidate(
            "ben@example.com",
            bob,
            name="Ben B",
            joining_date=JOINING,
            location="Berlin",
            joining_zone="Europe/Berlin",
            department="Sales",
        )
        made = {
            "lunch": timeline.create_template(hr, MilestoneFields("Lunch", 0, time(12, 30))),
            "passport": timeline.create_template(
                hr, MilestoneFields("Passport copy", -30, kind=TaskKind.UPLOAD)
            ),
            "handbook": timeline.create_template(
                hr, MilestoneFields("Read the handbook", -10, kind=TaskKind.READ)
            ),
            "policy": timeline.create_template(
                hr, MilestoneFields("Code of conduct", -3, kind=TaskKind.ACKNOWLEDGE)
            ),
            "berlin": timeline.create_template(
                hr, MilestoneFields("Anmeldung", -5, kind=TaskKind.CONFIRM), Target("berlin ", "")
            ),
            "paris_eng": timeline.create_template(
                hr,
                MilestoneFields("Laptop preferences", -12, kind=TaskKind.CONFIRM),
                Target("Paris", "engineering"),
            ),
        }
        db.session.commit()
        ids = {name: row.id for name, row in made.items()}
        ids |= {"alice": alice.id, "ben": ben.id, "hr": hr.id, "rita": rita.id, "bob": bob.id}
    return ids


def _person(user_id: int) -> User:
    return db.session.get(User, user_id)


def _client(app, email: str):
    client = app.test_client()
    assert support.sign_in(client, email).status_code == 302
    return client


def _titles(items) -> list[str]:
    return [item.title for item in items]


# --- What reaches whom, and when it is due ------------------------------------------------------


def test_tasks_reach_the_candidates_of_their_location_and_department(app, cast):
    with app.app_context():
        alice = dates.tasks_of(dates.candidate_timeline(_person(cast["alice"]), NOW))
        ben = dates.tasks_of(dates.candidate_timeline(_person(cast["ben"]), NOW))
    # In timeline order; Berlin's reaches Ben whatever its case and spaces, Paris Engineering's
    # only Alice; the plain milestone is on the timeline but not on either checklist.
    assert _titles(alice) == [
        "Passport copy",
        "Laptop preferences",
        "Read the handbook",
        "Code of conduct",
    ]
    assert _titles(ben) == ["Passport copy", "Read the handbook", "Anmeldung", "Code of conduct"]


def test_a_task_is_due_by_the_end_of_its_day_at_the_workplace_and_overdue_after(app, cast):
    with app.app_context():
        tasks = {
            item.title: item
            for item in dates.tasks_of(dates.candidate_timeline(_person(cast["alice"]), NOW))
        }
    passport = tasks["Passport copy"]  # 30 days before 7 December: 7 November, Paris
    assert passport.day == date(2026, 11, 7)
    assert passport.due_at == datetime(2026, 11, 7, 23, 0, tzinfo=UTC)  # midnight in Paris
    assert passport.overdue and not passport.done
    handbook = tasks["Read the handbook"]
    assert not handbook.overdue and not handbook.done and not handbook.passed
    assert dates.Progress.of(tasks.values()).words() == "0 of 4 done, 1 overdue"


def test_ticking_off_and_back_and_an_upload_task_needs_its_document(app, cast):
    with app.app_context():
        alice = _person(cast["alice"])
        handbook = checklist.task(alice, str(cast["handbook"]), NOW)
        assert checklist.tick_off(alice, handbook, NOW) is True
        db.session.commit()
        again = checklist.task(alice, str(cast["handbook"]), NOW)
        assert again.done and again.ticked_at == NOW
        assert checklist.tick_off(alice, again, NOW) is False  # already: nothing changes
        passport = checklist.task(alice, str(cast["passport"]), NOW)
        with pytest.raises(checklist.ChecklistError, match="upload it"):
            checklist.tick_off(alice, passport, NOW)
        assert checklist.take_back(alice, again) is True
        db.session.commit()
        assert not checklist.task(alice, str(cast["handbook"]), NOW).done
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions[-2:] == ["checklist.done", "checklist.undone"]


def test_only_the_candidates_own_visible_tasks_can_be_addressed(app, cast):
    with app.app_context():
        alice, ben = _person(cast["alice"]), _person(cast["ben"])
        hr = _person(cast["hr"])
        own = timeline.add_own(hr, ben, MilestoneFields("Visa", -40, kind=TaskKind.UPLOAD))
        db.session.commit()
        assert checklist.task(ben, f"own-{own.id}", NOW) is not None
        assert checklist.task(alice, f"own-{own.id}", NOW) is None  # Ben's, not hers
        assert checklist.task(alice, str(cast["berlin"]), NOW) is None  # not for Paris
        assert checklist.task(alice, str(cast["lunch"]), NOW) is None  # a plain milestone
        for bogus in ("", "own-", "12x", "-3", "own-99999999999", "../1", "1/2"):
            assert checklist.task(alice, bogus, NOW) is None
        timeline.hide(hr, alice, db.session.get(MilestoneTemplate, cast["handbook"]))
        db.session.commit()
        assert checklist.task(alice, str(cast["handbook"]), NOW) is None  # hidden for her


def test_a_candidates_version_may_make_a_task_of_a_milestone(app, cast):
    with app.app_context():
        alice, hr = _person(cast["alice"]), _person(cast["hr"])
        lunch = db.session.get(MilestoneTemplate, cast["lunch"])
        timeline.change_for_candidate(
            hr, alice, lunch, MilestoneFields("Lunch", 0, time(12, 30), kind=TaskKind.CONFIRM)
        )
        db.session.commit()
        assert "Lunch" in _titles(dates.tasks_of(dates.candidate_timeline(alice, NOW)))
        ben = _person(cast["ben"])
        assert "Lunch" not in _titles(dates.tasks_of(dates.candidate_timeline(ben, NOW)))


def test_deleting_a_template_task_removes_its_ticks(app, cast):
    with app.app_context():
        alice, hr = _person(cast["alice"]), _person(cast["hr"])
        checklist.tick_off(alice, checklist.task(alice, str(cast["policy"]), NOW), NOW)
        db.session.commit()
        timeline.delete_template(hr, db.session.get(MilestoneTemplate, cast["policy"]))
        db.session.commit()
        assert db.session.scalars(select(ChecklistTick)).all() == []


# --- The candidate's pages ----------------------------------------------------------------------


def _keys(page: str) -> list[str]:
    return re.findall(r'<li class="task[^"]*" id="task-([^"]+)"', page)


def test_the_candidate_ticks_off_and_undoes_with_plain_forms(app, cast):
    client = _client(app, "alice@example.com")
    page = client.get("/candidate/checklist").get_data(as_text=True)
    assert "Things to do" in page and "0 of 4 done, 1 overdue" in page
    assert 'class="task task-overdue" id="task-{}"'.format(cast["passport"]) in page
    assert "Anmeldung" not in page and "Lunch" not in page
    handbook = str(cast["handbook"])
    done = support.post_form(
        client, f"/candidate/checklist/{handbook}/done", {}, form_url="/candidate/checklist"
    )
    assert done.status_code == 302
    assert done.headers["Location"] == f"/candidate/checklist#task-{handbook}"
    page = client.get("/candidate/checklist").get_data(as_text=True)
    assert "Done: “Read the handbook”." in page and "1 of 4 done, 1 overdue" in page
    assert "Read on " in page and 'aria-labelledby="done-heading"' in page
    undone = support.post_form(
        client, f"/candidate/checklist/{handbook}/undo", {}, form_url="/candidate/checklist"
    )
    assert undone.status_code == 302
    page = client.get("/candidate/checklist").get_data(as_text=True)
    assert "“Read the handbook” is back on your list." in page and "0 of 4 done" in page


def test_the_candidate_cannot_tick_another_candidates_task_or_a_missing_one(app, cast):
    with app.app_context():
        own = timeline.add_own(
            _person(cast["hr"]), _person(cast["ben"]), MilestoneFields("Visa", -40, kind="read")
        )
        db.session.commit()
        own_key = f"own-{own.id}"
    client = _client(app, "alice@example.com")
    for key in (own_key, str(cast["berlin"]), str(cast["lunch"]), "999999", "own-x"):
        for action in ("done", "undo", "upload"):
            answer = support.post_form(
                client, f"/candidate/checklist/{key}/{action}", {}, form_url="/candidate/checklist"
            )
            assert answer.status_code == 404, (key, action)
    with app.app_context():
        assert db.session.scalars(select(ChecklistTick)).all() == []


def test_an_upload_task_is_done_by_its_document_which_can_be_replaced_and_removed(app, cast):
    client = _client(app, "alice@example.com")
    key = str(cast["passport"])
    url = f"/candidate/checklist/{key}/upload"

    def upload(data: bytes, name: str):
        return support.post_form(
            client,
            url,
            {"document": (io.BytesIO(data), name)},
            form_url="/candidate/checklist",
            content_type="multipart/form-data",
        )

    assert upload(PDF, "passport.pdf").status_code == 302
    page = client.get("/candidate/checklist").get_data(as_text=True)
    assert "Thank you: your document for “Passport copy” is uploaded." in page
    assert "Download “passport.pdf”" in page and "(PDF, 1 kB)" in page
    assert "1 of 4 done" in page and "overdue" not in page.split("</h1>")[1].split("</p>")[0]
    with app.app_context():
        first = db.session.scalars(select(ChecklistTick)).one().document_key
    assert upload(PDF.replace(b"Catalog", b"Catalog "), "passport-2.pdf").status_code == 302
    with app.app_context():
        tick = db.session.scalars(select(ChecklistTick)).one()
        assert tick.document_key != first and tick.document_name == "passport-2.pdf"
        folder = app.config["CHECKLIST_DOCUMENTS_FOLDER"]
    from pathlib import Path

    assert sorted(p.name for p in Path(folder).iterdir()) == [tick.document_key]  # old one gone
    removed = support.post_form(
        client, f"/candidate/checklist/{key}/undo", {}, form_url="/candidate/checklist"
    )
    assert removed.status_code == 302
    page = client.get("/candidate/checklist").get_data(as_text=True)
    assert "Your document for “Passport copy” is removed." in page and "0 of 4 done" in page
    assert list(Path(folder).iterdir()) == []


def test_the_home_shows_the_next_things_to_do(app, cast):
    client = _client(app, "alice@example.com")
    page = client.get("/candidate/").get_data(as_text=True)
    section = page.split('id="next-tasks-heading"')[1].split("</section>")[0]
    assert "0 of 4 done" in section
    assert re.findall(r'href="/candidate/checklist#task-[^"]+">([^<]+)</a>', section) == [
        "Passport copy",
        "Laptop preferences",
        "Read the handbook",
    ]
    assert "Overdue" in section
    # The timeline marks tasks: done, to do, overdue; a plain milestone has no such mark.
    timeline_part = page.split('id="timeline-heading"')[1]
    assert timeline_part.count(">To do</span>") == 3 and ">Overdue</span>" in timeline_part


# --- The staff ----------------------------------------------------------------------------------


def test_the_recruiter_and_hr_see_progress_and_the_documents(app, cast):
    alice = _client(app, "alice@example.com")
    support.post_form(
        alice,
        f"/candidate/checklist/{cast['passport']}/upload",
        {"document": (io.BytesIO(PDF), "../../Alice passport.PDF")},
        form_url="/candidate/checklist",
        content_type="multipart/form-data",
    )
    with app.app_context():
        tick_id = db.session.scalars(select(ChecklistTick.id)).one()
    rita = _client(app, "rita@example.com")
    page = rita.get(f"/recruiter/candidates/{cast['alice']}").get_data(as_text=True)
    assert "1 of 4 done" in page and f"/recruiter/candidates/{cast['alice']}/checklist" in page
    board = rita.get("/recruiter/").get_data(as_text=True)
    assert "Things to do: 1 of 4 done" in board
    listing = rita.get(f"/recruiter/candidates/{cast['alice']}/checklist").get_data(as_text=True)
    assert "Alice A's checklist" in listing and "Download “Alice passport.pdf”" in listing
    download = rita.get(f"/recruiter/candidates/{cast['alice']}/checklist/documents/{tick_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"] == 'attachment; filename="Alice passport.pdf"'
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in download.headers["Cache-Control"]
    with app.app_context():
        opened = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "checklist.document_opened")
        ).one()
        assert opened.actor_id == cast["rita"] and opened.target_user_id == cast["alice"]

    bob = _client(app, "bob@example.com")
    assert bob.get(f"/recruiter/candidates/{cast['alice']}/checklist").status_code == 404
    path = f"/recruiter/candidates/{cast['alice']}/checklist/documents/{tick_id}"
    assert bob.get(path).status_code == 404
    ben = _client(app, "ben@example.com")
    assert ben.get(f"/candidate/checklist/documents/{tick_id}").status_code == 404
    assert alice.get(f"/candidate/checklist/documents/{tick_id}").data == PDF

    hr = _client(app, "hr@example.com")
    timeline_page = hr.get(f"/hr/people/{cast['alice']}/timeline").get_data(as_text=True)
    assert "Checklist: 1 of 4 done, 1 overdue." not in timeline_page  # the passport is done
    assert "Checklist: 1 of 4 done." in timeline_page
    assert f"/hr/people/{cast['alice']}/checklist/documents/{tick_id}" in timeline_page
    hr_download = hr.get(f"/hr/people/{cast['alice']}/checklist/documents/{tick_id}")
    assert hr_download.status_code == 200 and hr_download.data == PDF
    assert hr.get(f"/hr/people/{cast['ben']}/checklist/documents/{tick_id}").status_code == 404


# --- HR's template ------------------------------------------------------------------------------


def test_hr_adds_a_task_for_one_location_and_department_from_the_form(app, cast):
    hr = _client(app, "hr@example.com")
    form = hr.get("/hr/timeline/new").get_data(as_text=True)
    assert 'name="kind"' in form and "Upload a document: a PDF, PNG or JPEG file" in form
    assert '<option value="Berlin">' in form  # the places candidates join at, suggested
    added = support.post_form(
        hr,
        "/hr/timeline/new",
        {
            "title": "Tax ID",
            "day_offset": "-7",
            "kind": "confirm",
            "location": "Berlin",
            "department": "Sales",
            "time_of_day": "",
            "details": "",
        },
    )
    assert added.status_code == 302
    page = hr.get("/hr/timeline").get_data(as_text=True)
    assert "Added. Candidates joining at Berlin in Sales see it." in page
    assert "Berlin, Sales" in page
    with app.app_context():
        titles = _titles(dates.tasks_of(dates.candidate_timeline(_person(cast["ben"]), NOW)))
        assert "Tax ID" in titles
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "milestone_template.created")
        ).all()
        assert {(e.field, e.new_value) for e in entries if e.field} >= {
            ("location", "Berlin"),
            ("department", "Sales"),
        }
    refused = support.post_form(
        hr, "/hr/timeline/new", {"title": "X", "day_offset": "1", "kind": "dance"}
    )
    assert refused.status_code == 422
    assert "Choose what the candidate does" in refused.get_data(as_text=True)


def test_hr_filters_the_template_and_pages_through_it(app, cast):
    hr = _client(app, "hr@example.com")
    tasks = hr.get("/hr/timeline?kind=tasks").get_data(as_text=True)
    assert "Lunch" not in tasks and "Passport copy" in tasks
    berlin = hr.get("/hr/timeline?location=Berlin").get_data(as_text=True)
    assert "Anmeldung" in berlin and "Passport copy" in berlin  # everyone's reach Berlin too
    assert "Laptop preferences" not in berlin
    ignored = hr.get("/hr/timeline?kind=nonsense&location=Nowhere").get_data(as_text=True)
    assert "Laptop preferences" in ignored and "Anmeldung" in ignored
    with app.app_context():
        hr_user = _person(cast["hr"])
        for n in range(55):
            timeline.create_template(hr_user, MilestoneFields(f"Step {n:02}", 100 + n))
        db.session.commit()
    first = hr.get("/hr/timeline").get_data(as_text=True)
    assert first.count('class="timeline-actions"') == 50 and "Step 43" in first
    after = re.search(r'href="/hr/timeline\?after=(\d+)" rel="next"', first).group(1)
    second = hr.get(f"/hr/timeline?after={after}").get_data(as_text=True)
    assert "Step 44" in second and "Step 54" in second and "Step 43" not in second
    assert 'rel="next"' not in second


def test_the_weekly_update_lists_open_tasks_to_come_not_done_or_overdue_ones(app, cast):
    from portal.news import whats_new

    with app.app_context():
        alice = _person(cast["alice"])
        # Due within the week from 24 November: the laptop (25th, ticked off) and the handbook
        # (27th); the passport (7th) is overdue: not "coming up".
        later = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        checklist.tick_off(alice, checklist.task(alice, str(cast["paris_eng"]), later), later)
        db.session.commit()
        update = whats_new.gather(alice, later - timedelta(days=7), later)
        assert _titles(update.milestones) == ["Read the handbook"]
