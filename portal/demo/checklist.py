"""The demo's checklist: the tasks each candidate has ticked off so far.

Every candidate who has signed up has done the tasks already due, but one: Tomás, at risk on
Ravi's dashboard, has left his open, so the recruiters see what an overdue task looks like. The
document an upload task asks for is a drawn stand-in for a scanned ID card, checked and kept
like any candidate's upload.
"""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, ImageDraw

from portal.people.models import User
from portal.timeline import checklist, dates, documents
from portal.timeline.models import TaskKind

LEFT_OPEN = "tomas@example.com"


def load(candidates: list[User], signed_up: set[str], now: datetime) -> None:
    """Tick off the tasks due by `now` for the candidates in `signed_up` (emails)."""
    for candidate in candidates:
        if candidate.email not in signed_up or candidate.email == LEFT_OPEN:
            continue
        for item in dates.tasks_of(dates.candidate_timeline(candidate, now)):
            if item.done or item.done_at > now:
                continue
            if item.kind == TaskKind.UPLOAD:
                scan = documents.check_upload(io.BytesIO(_id_card(candidate.name)), "id-card.png")
                checklist.attach(candidate, item, scan, now)
            else:
                checklist.tick_off(candidate, item, now)


def _id_card(name: str) -> bytes:
    """A PNG that looks like a scanned card with the candidate's name on it."""
    image = Image.new("RGB", (640, 400), "#e8eef5")
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 616, 376), outline="#1f3b57", width=4)
    draw.rectangle((48, 80, 208, 300), fill="#b7c6d6")
    draw.text((240, 96), "IDENTITY CARD (DEMO)", fill="#1f3b57")
    draw.text((240, 150), name, fill="#1f3b57")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
