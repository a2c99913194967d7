"""The timeline service: order, dates in the workplace's zone, done flags at their boundary,
each candidate's version of the template, and the audit trail of every change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from portal.core.extensions import db
from portal.people.models import AuditEntry, Role
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields, TimelineError
from portal.timeline.models import CandidateMilestone, MilestoneTemplate
from tests.support import make_candidate, make_staff

PARIS_JOINING = date(2026, 12, 7)  # a Monday; Paris is UTC+1 in December


@pytest.fixture
def hr(app_ctx):
    return make_staff(Role.HR, "hr@example.com", "Helen HR")


def _candidate(email="cand@example.com", *, joining_date=PARIS_JOINING, zone="Europe/Paris", **kw):
    return make_candidate(email, None, joining_date=joining_date, joining_zone=zone, **kw)


def _template(hr, title, day_offset, at=None, details=""):
    return timeline.create_template(hr, MilestoneFields(title, day_offset, at, details))


def _at(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _titles(items):
    return [item.title for item in items]


def _audit(action):
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


# --- Order and dates ----------------------------------------------------------------------------


def test_milestones_are_in_order_across_negative_zero_and_positive_offsets(hr):
    for title, offset, at in [
        ("First one-to-one", 1, None),
        ("Reception, building B", 0, time(9, 0)),
        ("Lunch with the team", 0, time(12, 30)),
        ("Documents to prepare", -14, None),
        ("Welcome day", 0, None),
        ("Meet your team online", -7, time(16, 0)),
        ("Thirty days in", 30, time(10, 0)),
    ]:
        _template(hr, title, offset, at)
    candidate = _candidate()
    timeline.add_own(hr, candidate, MilestoneFields("Laptop pick-up", -1, time(17, 0)))
    db.session.commit()

    items = timeline.candidate_timeline(candidate, _at(2026, 11, 1))

    assert _titles(items) == [
        "Documents to prepare",
        "Meet your team online",
        "Laptop pick-up",
        "Welcome day",  # "some time that day" before the day's timed milestones
        "Reception, building B",
        "Lunch with the team",
        "First one-to-one",
        "Thirty days in",
    ]
    by_title = {item.title: item for item in items}
    assert by_title["Documents to prepare"].day == date(2026, 11, 23)
    assert by_title["Documents to prepare"].starts_at is None
    assert by_title["Reception, building B"].starts_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert by_title["Reception, building B"].starts_at.utcoffset() == timedelta(hours=1)
    assert by_title["Thirty days in"].day == date(2027, 1, 6)
    assert by_title["Laptop pick-up"].is_own and not by_title["Welcome day"].is_own
    assert by_title["Meet your team online"].when == "7 days before joining, 16:00"
    assert by_title["Welcome day"].when == "Joining day"
    assert by_title["First one-to-one"].when == "1 day after joining"
    assert not any(item.done for item in items)


def test_a_timed_milestone_is_done_from_its_very_moment(hr):
    _template(hr, "Reception", 0, time(9, 0))
    candidate = _candidate()
    # 09:00 in Paris on 7 December is 08:00 UTC.
    (before,) = timeline.candidate_timeline(candidate, _at(2026, 12, 7, 7, 59, 59))
    (at,) = timeline.candidate_timeline(candidate, _at(2026, 12, 7, 8, 0, 0))
    assert not before.done and at.done


def test_an_untimed_milestone_is_done_once_its_day_has_ended_at_the_workplace(hr):
    _template(hr, "Documents to prepare", -1)
    candidate = _candidate()
    # Sunday 6 December ends in Paris at 23:00 UTC.
    (late,) = timeline.candidate_timeline(candidate, _at(2026, 12, 6, 22, 59, 59))
    (ended,) = timeline.candidate_timeline(candidate, _at(2026, 12, 6, 23, 0, 0))
    assert not late.done and ended.done


def test_done_flags_follow_the_workplace_zone_in_adelaide(hr):
    _template(hr, "Documents to prepare", -1)
    _template(hr, "Reception", 0, time(9, 0))
    # Lives in Paris, starts work in Adelaide, which is UTC+10:30 in January.
    candidate = _candidate(joining_date=date(2027, 1, 4), zone="Australia/Adelaide")
    assert candidate.time_zone == "Europe/Paris"

    # Sunday 3 January ends in Adelaide at 13:30 UTC, while it is still mid-afternoon in Paris.
    docs, reception = timeline.candidate_timeline(candidate, _at(2027, 1, 3, 13, 29))
    assert not docs.done and not reception.done
    docs, reception = timeline.candidate_timeline(candidate, _at(2027, 1, 3, 13, 30))
    assert docs.done and not reception.done
    # 09:00 on Monday in Adelaide is 22:30 UTC on Sunday.
    assert reception.starts_at == _at(2027, 1, 3, 22, 30)
    assert reception.day == date(2027, 1, 4)
    docs, reception = timeline.candidate_timeline(candidate, _at(2027, 1, 3, 22, 30))
    assert docs.done and reception.done


def test_days_are_counted_on_the_local_calendar_across_a_clock_change(hr):
    # Adelaide moves from UTC+09:30 to +10:30 on 4 October 2026: two days before a 5 October
    # start, 09:00 is still 09:00 local time, not 48 hours before the joining instant.
    _template(hr, "Meet your team", -2, time(9, 0))
    candidate = _candidate(joining_date=date(2026, 10, 5), zone="Australia/Adelaide")
    (item,) = timeline.candidate_timeline(candidate, _at(2026, 9, 1))
    assert item.starts_at == _at(2026, 10, 2, 23, 30)
    assert item.starts_at.utcoffset() == timedelta(hours=9, minutes=30)


def test_no_profile_no_timeline(hr):
    _template(hr, "Documents", -14)
    assert timeline.candidate_timeline(hr, _at(2026, 1, 1)) == []


# --- One candidate's version of the template ----------------------------------------------------


def test_changing_a_milestone_for_one_candidate_leaves_the_others_and_is_audited(hr):
    reception = _template(hr, "Reception, building B", 0, time(9, 0), "Front desk.")
    alice, ben = _candidate("alice@example.com"), _candidate("ben@example.com")
    changes = timeline.change_for_candidate(
        hr, alice, reception, MilestoneFields("Reception, London office", 0, time(10, 0), "")
    )
    db.session.commit()
    assert set(changes) == {"title", "time_of_day", "details"}

    (mine,) = timeline.candidate_timeline(alice, _at(2026, 1, 1))
    (theirs,) = timeline.candidate_timeline(ben, _at(2026, 1, 1))
    assert (mine.title, mine.time_of_day, mine.changed) == (
        "Reception, London office",
        time(10),
        True,
    )
    assert (theirs.title, theirs.time_of_day, theirs.changed) == (
        "Reception, building B",
        time(9),
        False,
    )
    entries = {e.field: e for e in _audit("candidate_milestone.updated")}
    assert set(entries) == {"title", "time_of_day", "details"}
    assert entries["title"].old_value == "Reception, building B"
    assert entries["title"].new_value == "Reception, London office"
    assert (entries["time_of_day"].old_value, entries["time_of_day"].new_value) == (
        "09:00:00",
        "10:00:00",
    )
    assert all(e.target_user_id == alice.id and e.actor_id == hr.id for e in entries.values())


def test_hide_show_and_reset(hr):
    docs = _template(hr, "Documents to prepare", -14)
    meet = _template(hr, "Meet your team", -7)
    alice = _candidate("alice@example.com")
    now = _at(2026, 1, 1)

    assert timeline.hide(hr, alice, docs) is True
    assert timeline.hide(hr, alice, docs) is False  # already hidden: nothing more to log
    db.session.commit()
    assert _titles(timeline.candidate_timeline(alice, now)) == ["Meet your team"]
    everything = timeline.candidate_timeline(alice, now, include_hidden=True)
    assert [(i.title, i.hidden) for i in everything] == [
        ("Documents to prepare", True),
        ("Meet your team", False),
    ]

    assert timeline.show(hr, alice, docs) is True
    db.session.commit()
    assert _titles(timeline.candidate_timeline(alice, now)) == [
        "Documents to prepare",
        "Meet your team",
    ]
    # Hiding and showing again leaves no version of hers behind.
    assert db.session.scalars(select(CandidateMilestone)).all() == []

    timeline.change_for_candidate(hr, alice, meet, MilestoneFields("Meet Rita", -5))
    timeline.hide(hr, alice, meet)
    assert timeline.reset(hr, alice, meet) is True
    assert timeline.reset(hr, alice, meet) is False
    db.session.commit()
    items = timeline.candidate_timeline(alice, now)
    assert [(i.title, i.day_offset, i.changed) for i in items] == [
        ("Documents to prepare", -14, False),
        ("Meet your team", -7, False),
    ]
    assert [e.old_value for e in _audit("candidate_milestone.hidden")] == [
        "14 days before joining: Documents to prepare",
        "5 days before joining: Meet Rita",
    ]
    assert [e.new_value for e in _audit("candidate_milestone.shown")] == [
        "14 days before joining: Documents to prepare"
    ]
    reset = {(e.field, e.old_value, e.new_value) for e in _audit("candidate_milestone.reset")}
    assert reset == {
        ("title", "Meet Rita", "Meet your team"),
        ("day_offset", "-5", "-7"),
        ("hidden", "True", "False"),
    }


def test_a_version_changed_back_to_the_template_is_no_version(hr):
    meet = _template(hr, "Meet your team", -7)
    alice = _candidate()
    timeline.change_for_candidate(hr, alice, meet, MilestoneFields("Meet Rita", -7))
    assert timeline.change_for_candidate(hr, alice, meet, MilestoneFields("Meet Rita", -7)) == {}
    timeline.change_for_candidate(hr, alice, meet, MilestoneFields("Meet your team", -7))
    db.session.commit()
    assert db.session.scalars(select(CandidateMilestone)).all() == []
    (item,) = timeline.candidate_timeline(alice, _at(2026, 1, 1))
    assert not item.changed


def test_editing_the_template_reaches_versions_in_the_fields_they_kept(hr):
    reception = _template(hr, "Reception", 0, time(9, 0), "Building B.")
    docs = _template(hr, "Documents", -14)
    alice, ben = _candidate("alice@example.com"), _candidate("ben@example.com")
    timeline.change_for_candidate(hr, alice, reception, MilestoneFields("Reception", 0, time(10)))
    timeline.hide(hr, ben, docs)
    db.session.commit()

    timeline.update_template(
        hr, reception, MilestoneFields("Reception, building C", 0, time(8, 30), "Building C.")
    )
    changes = timeline.update_template(hr, docs, MilestoneFields("Documents to bring", -10))
    db.session.commit()

    assert changes == {"title": ("Documents", "Documents to bring"), "day_offset": (-14, -10)}
    now = _at(2026, 1, 1)
    alices = {i.title: i for i in timeline.candidate_timeline(alice, now)}
    # Alice keeps her 10:00 and her empty details, and gets the new title.
    assert alices["Reception, building C"].time_of_day == time(10)
    assert alices["Reception, building C"].details == ""
    bens = timeline.candidate_timeline(ben, now, include_hidden=True)
    assert [(i.title, i.day_offset, i.hidden) for i in bens] == [
        ("Documents to bring", -10, True),  # still hidden, and showing it shows the new version
        ("Reception, building C", 0, False),
    ]
    timeline.show(hr, ben, docs)
    db.session.commit()
    assert (
        db.session.scalar(
            select(CandidateMilestone.id).where(CandidateMilestone.candidate_id == ben.id)
        )
        is None
    )
    fields = {(e.field, e.old_value, e.new_value) for e in _audit("milestone_template.updated")}
    assert ("time_of_day", "09:00:00", "08:30:00") in fields
    assert ("day_offset", "-14", "-10") in fields


def test_deleting_a_template_milestone_removes_it_everywhere(hr):
    docs = _template(hr, "Documents", -14)
    alice = _candidate()
    timeline.change_for_candidate(hr, alice, docs, MilestoneFields("Your documents", -12))
    db.session.commit()
    timeline.delete_template(hr, docs)
    db.session.commit()
    assert timeline.candidate_timeline(alice, _at(2026, 1, 1)) == []
    assert db.session.scalars(select(CandidateMilestone)).all() == []
    assert [e.old_value for e in _audit("milestone_template.deleted")] == [
        "14 days before joining: Documents"
    ]


def test_own_milestones_are_added_edited_and_deleted_for_their_candidate_only(hr):
    alice, ben = _candidate("alice@example.com"), _candidate("ben@example.com")
    laptop = timeline.add_own(hr, alice, MilestoneFields("Laptop pick-up", -1, time(16, 0)))
    db.session.commit()
    assert timeline.own_milestone(alice, laptop.id) is laptop
    assert timeline.own_milestone(ben, laptop.id) is None
    assert timeline.candidate_timeline(ben, _at(2026, 1, 1)) == []

    timeline.update_own(hr, alice, laptop, MilestoneFields("Laptop pick-up", -2, time(16, 0)))
    with pytest.raises(TimelineError):
        timeline.update_own(hr, ben, laptop, MilestoneFields("Stolen", 0))
    db.session.commit()
    (item,) = timeline.candidate_timeline(alice, _at(2026, 1, 1))
    assert (item.day, item.is_own) == (date(2026, 12, 5), True)

    timeline.delete_own(hr, alice, laptop)
    db.session.commit()
    assert timeline.candidate_timeline(alice, _at(2026, 1, 1)) == []
    assert [e.new_value for e in _audit("candidate_milestone.created")] == [
        "1 day before joining, 16:00: Laptop pick-up"
    ]
    assert [(e.field, e.old_value, e.new_value) for e in _audit("candidate_milestone.updated")] == [
        ("day_offset", "-1", "-2")
    ]
    assert [e.old_value for e in _audit("candidate_milestone.deleted")] == [
        "2 days before joining, 16:00: Laptop pick-up"
    ]


# --- Rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (MilestoneFields("   ", 0), "title", "Enter a title."),
        (MilestoneFields("x" * 121, 0), "title", "120 characters or fewer"),
        (MilestoneFields("Docs", 366), "day_offset", "between -365 and 365"),
        (MilestoneFields("Docs", -366), "day_offset", "between -365 and 365"),
        (MilestoneFields("Docs", 0, details="x" * 2001), "details", "2,000 characters"),
    ],
)
def test_invalid_milestones_are_refused_with_the_field_named(hr, values, field, message):
    with pytest.raises(TimelineError) as refused:
        timeline.create_template(hr, values)
    assert refused.value.field == field and message in refused.value.message
    assert db.session.scalars(select(MilestoneTemplate)).all() == []


def test_text_is_stored_plain_and_tidy(hr):
    row = _template(
        hr, "  Reception \t building B ", -365, time(9, 0, 30), "Line 1\r\nLine\x00 2  \n"
    )
    assert row.title == "Reception building B"
    assert row.details == "Line 1\nLine 2"
    assert row.time_of_day == time(9, 0)
    assert _template(hr, "Edge", 365).day_offset == 365


def test_the_timeline_takes_two_queries_whatever_its_length(hr):
    alice = _candidate()
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        counted.append(statement)

    def queries_for_timeline() -> int:
        db.session.expire_all()
        alice.candidate_profile  # noqa: B018 - load the profile outside the count
        counted.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            items = timeline.candidate_timeline(alice, _at(2026, 1, 1))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(items), len(counted)

    _template(hr, "Documents", -14)
    timeline.add_own(hr, alice, MilestoneFields("Laptop", -1))
    db.session.commit()
    assert queries_for_timeline() == (2, 2)
    for day in range(20):
        row = _template(hr, f"Template {day}", day)
        timeline.add_own(hr, alice, MilestoneFields(f"Own {day}", -day))
        if day % 2:
            timeline.change_for_candidate(hr, alice, row, MilestoneFields(f"Changed {day}", day))
    db.session.commit()
    assert queries_for_timeline() == (42, 2)
