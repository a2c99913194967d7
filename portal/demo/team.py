"""The demo's people to meet: a team list for every demo department, welcomes from hiring
managers and buddies, with portraits drawn here (a head and shoulders on a coloured ground, no
downloaded pictures) and stored through the same photo pipeline as an upload."""

from __future__ import annotations

import io
import zlib

from PIL import Image, ImageDraw

from portal.people.models import User
from portal.team import introductions, members, photos
from portal.team.introductions import BuddyFields, WelcomeFields
from portal.team.members import MemberFields
from portal.team.photos import PreparedPhoto

PORTRAIT_SIDE = 256
# Grounds, skin tones and clothes the portraits are drawn from (picked by the person's name).
GROUNDS = ["#dbe9f6", "#f6e3d4", "#e2f0dc", "#efe0f3", "#f7efc9", "#d9f0ee", "#f3dcdc"]
SKIN = ["#f2d3b3", "#e0ac69", "#c68642", "#8d5524", "#ffdbac", "#a1665e"]
HAIR = ["#2b1d0e", "#5a3825", "#b55239", "#e6c07b", "#1c1c1c", "#8e8e8e"]
CLOTHES = ["#0b4f8a", "#1e6b34", "#7a4b00", "#6b2d6b", "#a3221a", "#2f4858", "#3d5a80"]


def portrait(name: str) -> bytes:
    """A simple head-and-shoulders portrait for `name` (the same name, the same picture), PNG."""
    seed = zlib.crc32(name.encode("utf-8"))
    ground, skin = GROUNDS[seed % len(GROUNDS)], SKIN[(seed >> 3) % len(SKIN)]
    hair, clothes = HAIR[(seed >> 6) % len(HAIR)], CLOTHES[(seed >> 9) % len(CLOTHES)]
    side = PORTRAIT_SIDE
    image = Image.new("RGB", (side, side), ground)
    draw = ImageDraw.Draw(image)
    draw.ellipse((38, 170, 218, 330), fill=clothes)  # shoulders
    draw.rectangle((110, 140, 146, 185), fill=skin)  # neck
    long_hair = (seed >> 12) % 2 == 0
    if long_hair:
        draw.rounded_rectangle((68, 52, 188, 178), radius=50, fill=hair)
    draw.ellipse((80, 56, 176, 164), fill=skin)  # face
    draw.chord((76, 44, 180, 124), start=180, end=360, fill=hair)  # hair on top
    for eye_x in (108, 148):
        draw.ellipse((eye_x - 5, 104, eye_x + 5, 114), fill="#2b2b2b")
    draw.arc((110, 118, 146, 146), start=20, end=160, fill="#7a3b2e", width=4)  # smile
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def portrait_photo(name: str) -> PreparedPhoto:
    """The portrait through the upload pipeline (photos.prepare), ready to store."""
    return photos.prepare(
        io.BytesIO(portrait(name)), max_bytes=1024 * 1024, max_pixels=PORTRAIT_SIDE**2
    )


# (name, role, introduction, department, location): "" location is the whole department.
TEAM_LIST = [
    (
        "Margaux Lefèvre",
        "Head of Engineering",
        "I look after the engineering teams in Paris. Ask me anything about how we work.",
        "Engineering",
        "Paris",
    ),
    (
        "Théo Martin",
        "Backend engineer",
        "Payments and APIs. Coffee first, then code review.",
        "Engineering",
        "Paris",
    ),
    (
        "Amina Diallo",
        "Frontend engineer",
        "Accessibility nerd, plays the cello, always up for pairing.",
        "Engineering",
        "Paris",
    ),
    (
        "Lucas Bernard",
        "Site reliability engineer",
        "Keeps the lights on. Will show you the dashboards on your first day.",
        "Engineering",
        "",
    ),
    (
        "Priya Nair",
        "Analytics lead",
        "I run the London analytics team and our Friday data clinic.",
        "Analytics",
        "London",
    ),
    (
        "Oliver Hughes",
        "Data engineer",
        "Pipelines, warehouses and the occasional pub quiz.",
        "Analytics",
        "London",
    ),
    (
        "Grace Liu",
        "Data scientist",
        "Forecasting and experiments. Happy to explain our metrics.",
        "Analytics",
        "London",
    ),
    (
        "Jack Wilson",
        "Design lead",
        "Design systems and research in Adelaide.",
        "Design",
        "Adelaide",
    ),
    ("Mia Taylor", "UX researcher", "I talk to our customers every week.", "Design", ""),
    (
        "Emily Carter",
        "Sales director",
        "East coast accounts; the team lunch is on Thursdays.",
        "Sales",
        "New York",
    ),
    ("Giulia Ferrari", "Brand manager", "Campaigns, words and pictures.", "Marketing", "Milan"),
    (
        "Jonas Weber",
        "People partner",
        "Your go-to for everything HR in Berlin.",
        "People",
        "Berlin",
    ),
    (
        "Lucía Fernández",
        "Customer success lead",
        "Our customers' voice inside the company.",
        "Customer Success",
        "Madrid",
    ),
]

# Candidate email → (manager, their role, welcome), and → (buddy, role, introduction, email).
WELCOMES = {
    "chloe@example.com": (
        "Margaux Lefèvre",
        "Head of Engineering",
        "Dear Chloé,\n\nThe whole team is thrilled you are joining us. Your first weeks are "
        "about meeting people and shipping something small: Théo has a starter task waiting "
        "for you. See you in building B!\n\nMargaux",
    ),
    "arjun@example.com": (
        "Priya Nair",
        "Analytics lead",
        "Hi Arjun, welcome to London and to the analytics team! We have saved you a desk by the "
        "window, and Oliver will help you settle in. Good luck with the move.",
    ),
    "olivia@example.com": (
        "Jack Wilson",
        "Design lead",
        "Welcome, Olivia! Our design crits are on Wednesdays; you will fit right in.",
    ),
    "tomas@example.com": (
        "Lucía Fernández",
        "Customer success lead",
        "¡Bienvenido, Tomás! Your first day starts with coffee with the team at nine.",
    ),
}
BUDDIES = {
    "chloe@example.com": (
        "Amina Diallo",
        "Frontend engineer",
        "I joined last year, so I remember what the first week feels like. Ask me where "
        "anything is, or which café makes the best croissant.",
        "amina.diallo@example.com",
    ),
    "arjun@example.com": (
        "Oliver Hughes",
        "Data engineer",
        "I can help with London tips as much as with our data stack.",
        "oliver.hughes@example.com",
    ),
}


def load(hr: User, candidates: dict[str, User]) -> None:
    """The team list, then the demo candidates' welcomes and buddies (HR writes them)."""
    for name, title, intro, department, location in TEAM_LIST:
        members.create_member(
            hr, MemberFields(name, title, intro, department, location), portrait_photo(name)
        )
    for email, (manager, title, message) in WELCOMES.items():
        introductions.save_welcome(
            hr, candidates[email], WelcomeFields(manager, title, message), portrait_photo(manager)
        )
    for email, (buddy, title, intro, address) in BUDDIES.items():
        introductions.save_buddy(
            hr, candidates[email], BuddyFields(buddy, title, intro, address), portrait_photo(buddy)
        )
