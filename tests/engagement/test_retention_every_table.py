"""Retention over every table: every row about a departed candidate goes or is anonymised.

Every table of the metadata is seeded with rows about one departed candidate (joined long ago)
and one current candidate, with strings that cannot occur by chance; the worker's real
retention job runs; then every column of every row of every table is read back. Nothing that
identifies the departed candidate may remain, in any spelling (as typed, as HTML escapes it, as
JSON escapes it), and everything about the current candidate must still be where it was.

A table added to the models is seeded here or this test fails with its name.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, select

from portal.accounts.models import AuthSession, StaffIdentity, TokenPurpose, UserToken
from portal.api.models import ApiToken, IdempotentRequest, InboundOffer
from portal.core.extensions import db
from portal.core.models import Base
from portal.engagement import forgetting, retention, tiles
from portal.engagement.models import CandidateStatus, PulseResponse, RecruiterDigest
from portal.events import log as events
from portal.events.models import EventKind
from portal.mail.models import EmailAttachment, EmailStatus, OutgoingEmail
from portal.news.models import Announcement, Feed, FeedEntry, NewsRead
from portal.outcomes.models import CandidateOutcome, Outcome
from portal.outcomes.recording import record_outcome
from portal.people import audit
from portal.people.models import AuditEntry, Role, StaffAbsence, User, WorkingHours
from portal.questions.models import (
    CandidateNote,
    FaqEntry,
    Message,
    SavedReply,
    ThreadClosure,
    ThreadRead,
)
from portal.team import introductions, members, photos, teams
from portal.team.introductions import BuddyFields, WelcomeFields
from portal.team.members import MemberFields
from portal.team.models import TeamMember
from portal.timeline import checklist, document_checks, documents
from portal.timeline.models import (
    CandidateMilestone,
    ChecklistTick,
    DayOneOverride,
    DayOnePlan,
    MilestoneTemplate,
)
from portal.webhooks import outbox as webhooks
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)
from portal.worker.loop import JOBS, Worker
from portal.worker.models import WorkerJob
from tests import support

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
FAR = date(2031, 1, 5)  # a joining date no form refuses; the real one is set afterwards


@dataclass(frozen=True)
class Person:
    """A candidate's identifying strings: none can occur by chance anywhere else."""

    key: str
    name: str
    email: str
    old_email: str
    phone: str
    secret: str  # free text only they wrote

    def strings(self) -> list[str]:
        return [self.name, self.email, self.old_email, self.phone, self.secret]


DEPARTED = Person(
    "departed",
    "Dagný O'Departedsson",
    "dagny.departedsson@example.org",
    "dagny.was.here@example.org",
    "+47 555 01 99 77",
    "my parrot Quetzalcoatl-Departed worries",
)
CURRENT = Person(
    "current",
    "Cora Currentworth",
    "cora.currentworth@example.org",
    "cora.used.to.be@example.org",
    "+44 20 7946 0123",
    "my cat Zanzibar-Current is thrilled",
)


def spellings(value: str) -> set[str]:
    """How a string may be stored: as typed, HTML-escaped, JSON-escaped (ASCII or not)."""
    return {
        value.lower(),
        str(escape(value)).lower(),
        json.dumps(value)[1:-1].lower(),
        json.dumps(value, ensure_ascii=False)[1:-1].lower(),
    }


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) + json.dumps(value)
    return str(value)


def where_found(person: Person) -> set[tuple[str, str, str]]:
    """(table, column, which string) wherever any of this person's strings is stored."""
    found = set()
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                text = as_text(value).lower()
                for string in person.strings():
                    if any(spelled in text for spelled in spellings(string)):
                        found.add((table.name, str(column), string))
    return found


@dataclass
class Cast:
    hr: User
    recruiter: User
    endpoint_personal: WebhookEndpoint
    endpoint_plain: WebhookEndpoint
    entry: FeedEntry
    template: MilestoneTemplate


def seed_shared() -> Cast:
    """HR, a recruiter, webhook endpoints, news, a milestone template, a worker job, an FAQ."""
    hr = support.make_staff(Role.HR, "helen.hr@example.com", "Helen HR")
    recruiter = support.make_staff(Role.RECRUITER, "rita.rec@example.com", "Rita Recruiter")
    endpoints = [
        WebhookEndpoint(
            url=f"https://ats.example.com/hooks/{n}",
            secret=webhooks.generate_secret(),
            event_types=[str(t) for t in WebhookEventType],
            personal_fields=personal,
            created_by_id=hr.id,
        )
        for n, personal in enumerate((True, False))
    ]
    feed = Feed(name="Company news", url="https://news.example.com/feed.xml")
    db.session.add_all([*endpoints, feed])
    db.session.flush()
    entry = FeedEntry(feed_id=feed.id, key="k1", title="The Lyon office opens")
    template = MilestoneTemplate(title="Paperwork", details="Sign the contract", day_offset=-14)
    faq = FaqEntry(question="Where do I park?", answer="Behind building B.", created_by_id=hr.id)
    job = WorkerJob(name="digests", next_run_at=NOW)
    # The recruiter's day: a shared saved reply, working hours, time away (about no candidate).
    db.session.add_all(
        [
            SavedReply(owner_id=hr.id, shared=True, title="Parking", body="Hello {first_name}"),
            WorkingHours(user_id=recruiter.id, weekdays=31, starts_minute=540, ends_minute=1020),
            StaffAbsence(
                recruiter_id=recruiter.id,
                first_day=NOW.date(),
                last_day=NOW.date(),
                starts_at=NOW,
                ends_at=NOW + timedelta(days=1),
                created_by_id=hr.id,
            ),
        ]
    )
    sso = StaffIdentity(issuer="https://login.example.com", subject="sub-helen", user_id=hr.id)
    plan = DayOnePlan(location="Berlin", location_key="berlin", address="Unter den Linden 1")
    announcement = Announcement(
        title="Parking", body="Use building B.", body_html="<p>Use building B.</p>", author_id=hr.id
    )
    db.session.add_all([entry, template, faq, job, sso, plan, announcement])
    digest_mail = OutgoingEmail(
        to_address=recruiter.email,
        to_user_id=recruiter.id,
        kind="recruiter_digest",
        subject="Your candidates today",
        body_text="Two candidates need a hand.",
        status=EmailStatus.SENT,
        sent_at=NOW - timedelta(days=1),
    )
    db.session.add(digest_mail)
    db.session.flush()
    db.session.add(
        RecruiterDigest(recruiter_id=recruiter.id, local_date=NOW.date(), email_id=digest_mail.id)
    )
    db.session.commit()
    return Cast(hr, recruiter, endpoints[0], endpoints[1], entry, template)


def seed_candidate(person: Person, cast: Cast, joining: date) -> User:
    """A row about `person` in every table that can hold one, the way the portal writes them."""
    candidate = support.make_candidate(
        person.old_email, cast.recruiter, name=person.name, joining_date=FAR
    )
    hr, recruiter = cast.hr, cast.recruiter
    # HR corrected the address (the audit log keeps the old one), noted a phone number.
    candidate.email = person.email
    candidate.phone = person.phone
    candidate.profile.joining_date = joining
    candidate.profile.job_title = f"Keeper of {person.secret}"[:120]
    audit.record(hr, "candidate.updated", candidate, "email", person.old_email, person.email)
    audit.record(hr, "candidate.updated", candidate, "name", person.name, person.name)
    audit.record(
        hr, "candidate.updated", candidate, "job_title", "Engineer", candidate.profile.job_title
    )
    audit.record(
        hr,
        "mail.discarded",
        None,
        subject=f"“New question from {person.name}” to {recruiter.email}",
    )
    audit.record(candidate, "signed_in", candidate)
    at = NOW - timedelta(days=200)
    question = Message(
        candidate_id=candidate.id, author_id=candidate.id, body=person.secret, created_at=at
    )
    db.session.add(question)
    db.session.flush()
    answer = Message(
        candidate_id=candidate.id,
        author_id=recruiter.id,
        body=f"Hello {person.name}, I will call you on {person.phone}.",
        created_at=at,
    )
    db.session.add_all(
        [
            answer,
            ThreadRead(candidate_id=candidate.id, reader_id=recruiter.id, last_read_message_id=1),
            ThreadRead(candidate_id=candidate.id, reader_id=candidate.id, last_read_message_id=1),
            ThreadClosure(
                candidate_id=candidate.id, through_message_id=question.id, closed_by_id=candidate.id
            ),
            PulseResponse(
                candidate_id=candidate.id, score=4, comment=person.secret, answered_at=at
            ),
            CandidateNote(
                candidate_id=candidate.id,
                author_id=recruiter.id,
                body=f"{person.name} told me: {person.secret}",
            ),
            CandidateStatus(
                candidate_id=candidate.id, status="quiet", reasons=[f"{person.name} is quiet"]
            ),
            NewsRead(candidate_id=candidate.id, entry_id=cast.entry.id),
            DayOneOverride(candidate_id=candidate.id, ask_for=f"Ask for {person.name}'s buddy"),
            CandidateMilestone(
                candidate_id=candidate.id,
                template_id=cast.template.id,
                title=f"Call {person.name}",
                details=person.secret,
                day_offset=-3,
            ),
            AuthSession(
                user_id=candidate.id,
                key_hash=f"session-{person.key}",
                expires_at=NOW,
                user_agent=f"Browser of {person.email}",
                ip_address="192.0.2.7",
            ),
            UserToken(
                user_id=candidate.id,
                purpose=TokenPurpose.INVITATION,
                token_hash=f"token-{person.key}",
                expires_at=NOW,
                created_by_id=hr.id,
            ),
            ApiToken(
                user_id=candidate.id,
                name=f"{person.name}'s token",
                token_hash=f"api-{person.key}",
                prefix=f"pp_{person.key[:4]}",
            ),
            # The ATS's offer this candidate came from (api.inbound).
            InboundOffer(offer_id=f"ats-offer-{person.key}", candidate_id=candidate.id),
        ]
    )
    # HR's ATS added them through the API with an Idempotency-Key: the answer kept for
    # retries quotes them (as JSON escapes it).
    ats_token = ApiToken(
        user_id=hr.id, name=f"ATS {person.key}", token_hash=f"ats-{person.key}", prefix="pp_ats"
    )
    db.session.add(ats_token)
    db.session.flush()
    db.session.add(
        IdempotentRequest(
            token_id=ats_token.id,
            key=f"offer-{person.key}",
            fingerprint="0" * 64,
            status_code=201,
            response_body=json.dumps(
                {"id": candidate.id, "name": person.name, "email": person.email}
            ),
            location=f"/api/v1/candidates/{candidate.id}",
        )
    )
    events.record(candidate.id, EventKind.SIGNED_IN, at=at)
    events.record(candidate.id, EventKind.STATUS_CHANGED, data={"reasons": [person.secret]}, at=at)
    # Mail: to them (sent to the old address, queued, parked with an attachment), and to the
    # recruiter about their question (parked: its body is kept).
    to_them = [
        OutgoingEmail(
            to_address=person.old_email,
            to_user_id=candidate.id,
            kind="invitation",
            subject=f"Welcome, {person.name}",
            status=EmailStatus.SENT,
            sent_at=at,
        ),
        OutgoingEmail(
            to_address=person.email,
            to_user_id=candidate.id,
            kind="joining_changed",
            subject="Your joining date has changed",
            body_text=f"Dear {person.name},",
            body_html=f"<p>Dear {escape(person.name)},</p>",
            status=EmailStatus.FAILED,
            last_error=f"550 no such user {person.email}",
        ),
    ]
    about_them = OutgoingEmail(
        to_address=recruiter.email,
        to_user_id=recruiter.id,
        kind="question_asked",
        about=f"message:{question.id}",
        subject=f"New question from {person.name}",
        body_text=f"{person.name} asked: {person.secret}",
        body_html=f"<p>{escape(person.name)} asked: {escape(person.secret)}</p>",
        status=EmailStatus.FAILED,
    )
    db.session.add_all([*to_them, about_them])
    db.session.flush()
    db.session.add_all(
        [
            EmailAttachment(
                email_id=to_them[1].id,
                filename="joining.ics",
                content_type="text/calendar",
                content=f"ATTENDEE;CN={person.name}:mailto:{person.email}",
            ),
        ]
    )
    # Webhooks through the real outbox: one message per endpoint, delivered recently (so
    # that their bodies are within WEBHOOK_BODY_KEEP_DAYS), with an attempt whose error echoes
    # what the receiver said; and a message from before messages knew their candidate.
    data = {
        "candidate": webhooks.candidate_data(candidate.id, candidate.name, candidate.email),
        "question": {"id": question.id, "asked_at": webhooks.instant(at)},
        "recruiter_id": recruiter.id,
    }
    published = webhooks.publish(
        WebhookEventType.QUESTION_ASKED, data, recruiter_id=recruiter.id, at=NOW - timedelta(days=2)
    )
    legacy = WebhookMessage(
        endpoint_id=cast.endpoint_personal.id,
        webhook_id=f"msg_legacy_{person.key}",
        event_type="question.asked",
        body=json.dumps({"data": {"candidate": {"email": person.email, "name": person.name}}}),
        status=DeliveryStatus.DELIVERED,
        delivered_at=NOW - timedelta(days=1),
    )
    db.session.add(legacy)
    db.session.flush()
    for message in published:
        message.status = DeliveryStatus.DELIVERED
        message.delivered_at = NOW - timedelta(days=1)
        db.session.add(
            WebhookAttempt(
                message_id=message.id,
                succeeded=False,
                status_code=400,
                error=f"the receiver answered 400: unknown {person.email}",
            )
        )
    # What became of the offer, with a reason that quotes them (kept in the audit log).
    outcome = Outcome.NO_SHOW if joining < NOW.date() else Outcome.RENEGED
    record_outcome(candidate, outcome, hr, reason=f"{person.name}: {person.secret}")
    seed_team(person, candidate, hr)
    seed_checklist(person, candidate)
    db.session.commit()
    return candidate


def seed_checklist(person: Person, candidate: User) -> None:
    """A task ticked off, and the document of an upload task, named after them."""
    db.session.flush()
    upload = db.session.scalar(select(MilestoneTemplate).where(MilestoneTemplate.kind == "upload"))
    if upload is None:
        upload = MilestoneTemplate(title="Passport copy", day_offset=-5, kind="upload")
        db.session.add(upload)
        db.session.flush()
    item = checklist.task(candidate, str(upload.id), NOW)
    document = document_checks.check(
        io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
        f"{person.name} passport.pdf",
        max_bytes=10**6,
        max_pixels=10**6,
    )
    checklist.attach(candidate, item, document, NOW)


def seed_team(person: Person, candidate: User, hr: User) -> None:
    """Their manager's welcome and their buddy, with photos; a team chosen for them from the
    team list (whose member, with a photo of their own, is about no candidate)."""
    member = db.session.scalars(select(TeamMember)).first()
    if member is None:
        member = members.create_member(
            hr,
            MemberFields("Théo Martin", "Engineer", "Hello!", "Engineering", ""),
            _photo((30, 90, 160)),
        )
    introductions.save_welcome(
        hr,
        candidate,
        WelcomeFields("Margaux Lefèvre", "Head", f"Dear {person.name}, {person.secret}"),
        _photo((200, 30, 30)),
    )
    introductions.save_buddy(
        hr,
        candidate,
        BuddyFields("Amina Diallo", "Engineer", f"{person.name}, ask me!", person.email),
        _photo((30, 160, 60)),
    )
    teams.add_member(hr, candidate, member)


def _photo(colour: tuple[int, int, int]) -> photos.PreparedPhoto:
    picture = io.BytesIO()
    Image.new("RGB", (120, 120), colour).save(picture, format="PNG")
    picture.seek(0)
    return photos.prepare(picture, max_bytes=10**6, max_pixels=10**6)


def test_every_table_is_seeded_and_nothing_identifying_survives(make_app):
    app = make_app(PORTAL_CLOCK=NOW)
    with app.app_context():
        cast = seed_shared()
        departed = seed_candidate(DEPARTED, cast, joining=(NOW - timedelta(days=120)).date())
        # The worker's fold fills the tiles' counts; the next candidate's changes stay pending.
        tiles.fold_changes()
        current = seed_candidate(CURRENT, cast, joining=(NOW + timedelta(days=20)).date())
        departed_id, current_id = departed.id, current.id

        empty = [
            table.name
            for table in Base.metadata.sorted_tables
            if not db.session.scalar(select(func.count()).select_from(table))
        ]
        assert not empty, f"tables this test does not seed: {empty}; seed them in seed_*()"
        departed_before = where_found(DEPARTED)
        departed_keys = set(documents.keys_of([departed_id]))
        assert departed_keys
        current_before = where_found(CURRENT)
        # The seeding put the departed candidate's strings in many tables, so the scan can fail.
        assert len({table for table, _, _ in departed_before}) >= 12
        db.session.remove()

    worker = Worker(app, tuple(job for job in JOBS if job.name == "retention"))
    (outcome,) = worker.run_pass()
    assert outcome.ran and outcome.error is None
    assert "1 departed candidate(s) forgotten" in (outcome.summary or "")

    with app.app_context():
        left = where_found(DEPARTED)
        assert not left, f"the departed candidate is still in {sorted(left)}"
        assert db.session.get(User, departed_id) is None
        # Their documents' files went with their rows; the current candidate's stays.
        folder = Path(app.config["CHECKLIST_DOCUMENTS_FOLDER"])
        kept_keys = set(db.session.scalars(select(ChecklistTick.document_key)))
        assert kept_keys and all((folder / key).is_file() for key in kept_keys)
        assert departed_keys.isdisjoint(kept_keys)
        assert not any((folder / key).exists() for key in departed_keys)
        assert where_found(CURRENT) == current_before
        assert db.session.get(User, current_id).email == CURRENT.email
        # What is kept without them: the audit log's entries, the webhook log's messages.
        assert (
            db.session.scalar(select(func.count()).where(AuditEntry.action == "candidate.updated"))
            == 6
        )
        kept = db.session.scalars(
            select(WebhookMessage).where(WebhookMessage.candidate_id.is_(None))
        ).all()
        assert {m.webhook_id for m in kept} >= {"msg_legacy_departed"}
        emptied = [m for m in kept if m.erased_at is not None]
        assert len(emptied) == 2 and all(m.body == "" for m in emptied)
        # The departed candidate's outcome stays for the reports, pointing at nobody.
        outcomes = db.session.scalars(select(CandidateOutcome)).all()
        assert {(o.outcome, o.candidate_id) for o in outcomes} == {
            (Outcome.NO_SHOW, None),
            (Outcome.RENEGED, current_id),
        }


def test_every_table_is_either_on_the_page_or_about_no_candidate(app_ctx):
    """The page's list of what is deleted or anonymised names every table that can hold
    something about a candidate; the rest are listed as about no candidate."""
    policy = retention.policy()
    named = [table for kind in policy.deleted + policy.anonymised for table in kind.tables]
    named += retention.ABOUT_NO_CANDIDATE
    tables = {table.name for table in Base.metadata.sorted_tables}
    assert sorted(tables - set(named)) == [], "say what retention does with these tables"
    assert sorted(set(named) - tables) == [], "these tables do not exist"
    assert len(named) == len(set(named))


def test_every_reference_to_people_says_what_happens_when_they_go():
    """Every foreign key to users says CASCADE (the row is the person's: retention deletes it)
    or SET NULL (it only points at them: retention clears it), including tables added after
    retention was written; a key that says neither stops the job, naming the column."""
    refs = forgetting.references()
    assert {(ref.table.name, ref.column.name) for ref in refs} >= {
        ("messages", "candidate_id"),
        ("thread_reads", "reader_id"),
        ("news_reads", "candidate_id"),
        ("webhook_messages", "candidate_id"),
    }
    assert {ref.delete_row for ref in refs if ref.table.name == "audit_log"} == {False}

    other = MetaData()
    Table("users", other, Column("id", Integer, primary_key=True))
    Table("notes", other, Column("author_id", Integer, ForeignKey("users.id")))
    with pytest.raises(forgetting.RetentionGap, match=r"notes\.author_id .* NO ACTION"):
        forgetting.references(other)
