"""Demo data for trying the portal by hand: one HR person, two recruiters, seven candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.accounts import passwords
from portal.accounts.operations import CandidateDetails
from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.demo import checklist as demo_checklist
from portal.demo import first_days
from portal.demo import history as demo_history
from portal.demo import outcomes as demo_outcomes
from portal.demo import team as demo_team
from portal.news import announcements
from portal.news.feeds.samples import load_samples
from portal.people.models import Role, User
from portal.questions import faq
from portal.questions.models import Message
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import MilestoneTemplate, TaskKind

DEMO_PASSWORD = "preboarding-demo"  # noqa: S105 - printed for people trying the demo
HR_EMAIL = "hannah.hr@example.com"


@dataclass(frozen=True)
class DemoCandidate:
    name: str
    email: str
    time_zone: str
    job_title: str
    department: str
    location: str
    joins_in_days: int
    joining_time: time
    joining_time_zone: str
    recruiter_email: str
    signed_up: bool
    reception_instructions: str = (
        "Your visitor badge is ready at the front desk: it takes five minutes to sign for."
    )


RECRUITERS = [
    ("Ravi Kumar", "ravi.recruiter@example.com", "Asia/Kolkata", "+91 80 4000 1234"),
    ("Rosa Martins", "rosa.recruiter@example.com", "Europe/Lisbon", "+351 21 000 5678"),
]

CANDIDATES = [
    DemoCandidate(
        "Chloé Dubois",
        "chloe@example.com",
        "Europe/Paris",
        "Software Engineer",
        "Engineering",
        "Paris",
        2,
        time(9, 30),
        "Europe/Paris",
        "rosa.recruiter@example.com",
        True,
    ),
    # Arjun relocates from Bengaluru to join the London office.
    DemoCandidate(
        "Arjun Mehta",
        "arjun@example.com",
        "Asia/Kolkata",
        "Data Analyst",
        "Analytics",
        "London",
        21,
        time(10, 0),
        "Europe/London",
        "ravi.recruiter@example.com",
        True,
        "Ask for the Analytics team at the front desk on the ground floor.",
    ),
    DemoCandidate(
        "Olivia Brown",
        "olivia@example.com",
        "Australia/Adelaide",
        "Product Designer",
        "Design",
        "Adelaide",
        61,
        time(9, 0),
        "Australia/Adelaide",
        "ravi.recruiter@example.com",
        True,
    ),
    DemoCandidate(
        "Marcus Johnson",
        "marcus@example.com",
        "America/New_York",
        "Account Executive",
        "Sales",
        "New York",
        -1,
        time(9, 0),
        "America/New_York",
        "rosa.recruiter@example.com",
        True,
    ),
    DemoCandidate(
        "Sofia Rossi",
        "sofia@example.com",
        "Europe/Rome",
        "Marketing Manager",
        "Marketing",
        "Milan",
        35,
        time(9, 0),
        "Europe/Rome",
        "rosa.recruiter@example.com",
        False,
    ),
    # Lena has not been back for nine days: quiet on Rosa's dashboard.
    DemoCandidate(
        "Lena Fischer",
        "lena@example.com",
        "Europe/Berlin",
        "Recruitment Coordinator",
        "People",
        "Berlin",
        45,
        time(9, 0),
        "Europe/Berlin",
        "rosa.recruiter@example.com",
        True,
    ),
    # Tomás joins in six days and has signed in but opened nothing since he accepted: at risk.
    DemoCandidate(
        "Tomás García",
        "tomas@example.com",
        "Europe/Madrid",
        "Customer Success Manager",
        "Customer Success",
        "Madrid",
        6,
        time(9, 0),
        "Europe/Madrid",
        "ravi.recruiter@example.com",
        True,
    ),
]


def is_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == HR_EMAIL)) is not None


def load() -> list[int]:
    """Create the demo people. Returns the ids of queued invitation emails (to deliver)."""
    demo_hash = passwords.hash_password(DEMO_PASSWORD)
    hr = accounts.create_user(
        actor=None, email=HR_EMAIL, name="Hannah Schmidt", role=Role.HR, time_zone="Europe/Berlin"
    )
    hr.password_hash = demo_hash
    recruiters = {}
    for name, email, zone, phone in RECRUITERS:
        recruiter = accounts.create_user(
            actor=hr, email=email, name=name, role=Role.RECRUITER, time_zone=zone, phone=phone
        )
        recruiter.password_hash = demo_hash
        recruiters[email] = recruiter
    invitations = []
    candidates: dict[str, User] = {}
    for spec in CANDIDATES:
        candidate = accounts.create_candidate(
            actor=hr,
            email=spec.email,
            name=spec.name,
            time_zone=spec.time_zone,
            details=CandidateDetails(
                job_title=spec.job_title,
                department=spec.department,
                location=spec.location,
                # "Joins in 2 days" counts from today where the candidate lives.
                joining_date=utcnow().astimezone(ZoneInfo(spec.joining_time_zone)).date()
                + timedelta(days=spec.joins_in_days),
                joining_time=spec.joining_time,
                joining_time_zone=spec.joining_time_zone,
                recruiter_id=recruiters[spec.recruiter_email].id,
                reception_instructions=spec.reception_instructions,
            ),
        )
        candidates[spec.email] = candidate
        if spec.signed_up:
            candidate.password_hash = demo_hash
        else:
            invitations.append(accounts.invite(candidate, hr).id)
    templates = _load_timeline(hr)
    db.session.flush()
    signed_up = {spec.email for spec in CANDIDATES if spec.signed_up}
    demo_checklist.load(list(candidates.values()), signed_up, utcnow())
    first_days.load(hr)
    _load_conversations(candidates, recruiters, hr)
    demo_team.load(hr, candidates)  # the people to meet, with drawn portraits
    load_samples()  # company news, from the bundled sample feeds (offline)
    announcements.load_demo(hr, utcnow())  # and HR's own
    db.session.flush()
    demo_history.load(candidates, templates)
    # A year of past offers' outcomes, for the reports.
    demo_outcomes.load(
        [(c.department, c.location, c.recruiter_email) for c in CANDIDATES], recruiters, hr
    )
    return invitations


# (candidate, who writes, hours ago, text): a thread answered, one waiting past the promise,
# one asked this morning.
CONVERSATIONS = [
    ("chloe@example.com", "candidate", 74, "Is there somewhere to park near building B?"),
    (
        "chloe@example.com",
        "recruiter",
        50,
        "Yes: the visitors' car park on Rue de la Gare is free for staff. Details here:\n"
        "https://example.com/parking",
    ),
    ("chloe@example.com", "candidate", 49, "Perfect, thank you!"),
    ("chloe@example.com", "recruiter", 47, "You're welcome. See you on your first day!"),
    (
        "arjun@example.com",
        "candidate",
        30,
        "Will the company help me book my visa appointment before I move to London?",
    ),
    ("olivia@example.com", "candidate", 2, "Which laptop will I get? I'd like to set up early."),
]

FAQ = [
    (
        "What should I bring on my first day?",
        "Your passport or ID card and your bank details. Everything else is waiting at your desk.",
    ),
    (
        "Can I work from home?",
        "Yes, up to two days a week once your first month is over. Agree the days with your team.",
    ),
]


def _load_conversations(candidates: dict, recruiters: dict, hr: User) -> None:
    now = utcnow()
    for email, who, hours_ago, text in CONVERSATIONS:
        candidate = candidates[email]
        author = candidate if who == "candidate" else candidate.candidate_profile.recruiter
        db.session.add(
            Message(
                candidate_id=candidate.id,
                author_id=author.id,
                body=text,
                created_at=now - timedelta(hours=hours_ago),
            )
        )
    for question, answer in FAQ:
        faq.save(None, actor=hr, question=question, answer=answer, published=True)


# The timeline every candidate gets, and Arjun's version of his first lunch in London.
TIMELINE = [
    MilestoneFields(
        "Documents to prepare",
        -14,
        details="Your passport or ID card, your bank details and your social security number.\n"
        "Bring the originals on your first day: HR copies them at reception.",
    ),
    MilestoneFields(
        "Meet your team online",
        -7,
        details="A half-hour video call to say hello. The link arrives by email the day before.",
    ),
    # The reception itself is part of the joining details (time, place, instructions), so the
    # timeline and the calendar file can never give it two different times.
    MilestoneFields(
        "Lunch with your team",
        0,
        time(12, 30),
        "Your manager books a table nearby, on the company.",
    ),
    MilestoneFields(
        "First one-to-one",
        1,
        details="Half an hour with your manager about your first weeks, and any question you have.",
    ),
    # The checklist ("Things to do"): tasks each candidate ticks off before joining.
    MilestoneFields(
        "Confirm your bank details",
        -21,
        details="Check the account your first salary goes to on the offer summary HR sent you.",
        kind=TaskKind.CONFIRM,
    ),
    MilestoneFields(
        "Upload a copy of your passport or ID card",
        -14,
        details="A scan or a photo (PDF, JPEG or PNG). Only HR sees it.",
        kind=TaskKind.UPLOAD,
    ),
    MilestoneFields(
        "Read the employee handbook",
        -2,
        details="How holidays, expenses and working from home work here: about twenty minutes.",
        kind=TaskKind.READ,
    ),
    MilestoneFields(
        "Acknowledge the code of conduct",
        0,
        details="The short version of how we treat each other and the people we work with.",
        kind=TaskKind.ACKNOWLEDGE,
    ),
]
ARJUN_LUNCH = MilestoneFields(
    "Lunch with the Analytics team",
    0,
    time(13, 0),
    "The whole team, at the canteen on the fourth floor.",
)


def _load_timeline(hr: User) -> list[MilestoneTemplate]:
    templates = [timeline.create_template(hr, values) for values in TIMELINE]
    arjun = db.session.scalars(select(User).where(User.email == CANDIDATES[1].email)).one()
    timeline.change_for_candidate(hr, arjun, templates[2], ARJUN_LUNCH)
    return templates


def sign_ins() -> list[tuple[str, str]]:
    """(role, email) pairs to print for people trying the demo."""
    return [
        ("HR", HR_EMAIL),
        ("Recruiter", RECRUITERS[1][1]),
        ("Recruiter", RECRUITERS[0][1]),
        ("Candidate (joins in 2 days)", CANDIDATES[0].email),
        ("Candidate (joins in 3 weeks)", CANDIDATES[1].email),
    ]
