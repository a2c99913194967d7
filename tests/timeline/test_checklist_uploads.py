"""Documents uploaded for an upload task: the type is read from the bytes (PDF, PNG, JPEG), the
size is limited by the configuration, hostile files are refused or made harmless, the name the
file came with is never a path, the file is kept privately under a random name, served only
to the candidate, their recruiter and HR as a download, and removed with its row: undone,
replaced, its transaction rolled back, the candidate forgotten by retention."""

from __future__ import annotations

import html
import io
import os
import struct
import time as clock_time
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement import forgetting, retention
from portal.people.models import Role, User
from portal.timeline import checklist, document_checks, documents
from portal.timeline import milestones as timeline
from portal.timeline.document_checks import DocumentError
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import ChecklistTick, TaskKind
from tests import support

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MAX_BYTES = 200_000
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _png(width: int = 64, height: int = 48, **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG", **save)
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (80, 60), (20, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Spy camera"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _pixel_bomb() -> bytes:
    """A few hundred bytes that claim a 60,000 × 60,000 picture (3.6 gigapixels)."""
    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + _chunk(b"IEND", b"")
    )


def _object_stream(inside: bytes) -> bytes:
    """A PDF whose objects are packed in a compressed object stream."""
    packed = zlib.compress(inside)
    return (
        b"%PDF-1.5\n5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "private" / "documents"


@pytest.fixture
def app(make_app, folder):
    return make_app(
        PORTAL_CLOCK=NOW,
        CHECKLIST_DOCUMENTS_FOLDER=str(folder),
        CHECKLIST_UPLOAD_MAX_BYTES=MAX_BYTES,
        CHECKLIST_UPLOAD_MAX_PIXELS=4_000_000,
    )


@pytest.fixture
def cast(app):
    with app.app_context():
        hr = support.make_staff(Role.HR, "hr@example.com", "Helen HR")
        rita = support.make_staff(Role.RECRUITER, "rita@example.com", "Rita Recruiter")
        alice = support.make_candidate("alice@example.com", rita, name="Alice A")
        support.make_candidate("ben@example.com", rita, name="Ben B")
        task = timeline.create_template(hr, MilestoneFields("ID card", -5, kind=TaskKind.UPLOAD))
        db.session.commit()
        return {"alice": alice.id, "task": task.id, "hr": hr.id}


@pytest.fixture
def alice(app, cast):
    client = app.test_client()
    assert support.sign_in(client, "alice@example.com").status_code == 302
    return client


def _upload(client, cast, data: bytes, name: str, *, content_type: str | None = None):
    part = (io.BytesIO(data), name, content_type) if content_type else (io.BytesIO(data), name)
    return support.post_form(
        client,
        f"/candidate/checklist/{cast['task']}/upload",
        {"document": part},
        form_url="/candidate/checklist",
        content_type="multipart/form-data",
    )


def _refused(response, words: str) -> None:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422, page[:500]
    # Beside its field, named for screen readers, and the page says so at the top.
    assert 'id="document-{}-error"'.format(response.request.path.split("/")[3]) in page
    assert words in page, page.split('class="error-message"')[1][:400]
    assert 'aria-invalid="true"' in page and 'role="alert"' in page


def _stored(app) -> list[ChecklistTick]:
    with app.app_context():
        return list(db.session.scalars(select(ChecklistTick)))


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


# --- Refused, with the reason beside the field ---------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "empty.pdf", "That file is empty."),
        (b"Just some notes\n", "notes.txt", "That file is not a PDF, PNG or JPEG."),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "scan.gif", "not a PDF, PNG or JPEG"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "setup.exe", "not a PDF, PNG or JPEG"),
        (b"PK\x03\x04" + b"\0" * 200, "documents.pdf", "not a PDF, PNG or JPEG"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "photo.png",
            "not a PDF, PNG or JPEG",
        ),
        (  # a web page named as a PDF
            b"<!DOCTYPE html><html><body><script>fetch('/api/v1/me')</script></body></html>",
            "contract.pdf",
            "not a PDF, PNG or JPEG",
        ),
        (b"\n%PDF-1.4\n" + PDF[9:], "leading-junk.pdf", "not a PDF, PNG or JPEG"),
        (_png(), "cv.pdf", "That file's name ends in .pdf, but it is a PNG."),
        (PDF, "passport.jpg", "ends in .jpg, but it is a PDF. Rename it to end in .pdf"),
        (PDF[:40], "cut-short.pdf", "That PDF could not be read"),
        (_png()[:60], "cut-short.png", "That image could not be read"),
        (_pixel_bomb(), "bomb.png", "That image has too many pixels (more than 4 megapixels)"),
    ],
    ids=[
        "empty",
        "text",
        "gif",
        "exe",
        "zip-named-pdf",
        "svg-named-png",
        "html-named-pdf",
        "pdf-not-at-start",
        "png-named-pdf",
        "pdf-named-jpg",
        "truncated-pdf",
        "truncated-png",
        "pixel-bomb",
    ],
)
def test_a_file_that_is_not_what_it_may_be_is_refused(app, cast, alice, folder, data, name, words):
    _refused(_upload(alice, cast, data, name), words)
    assert _stored(app) == [] and _files(folder) == []


HOSTILE_PDFS = {
    "html-polyglot": b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body>"
    b"</html>\n1 0 obj<< >>endobj\n%%EOF\n",
    "javascript-action": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript "
    b"/JS (app.alert(1)) >> >>\nendobj\n%%EOF\n",
    "escaped-name": b"%PDF-1.4\n1 0 obj\n<< /OpenAction << /S /J#61vaScr#69pt /J#53 (x) >> >>\n"
    b"endobj\n%%EOF\n",
    "launch": b"%PDF-1.4\n1 0 obj\n<< /OpenAction << /S /Launch /F (cmd.exe) >> >>\n"
    b"endobj\n%%EOF\n",
    "embedded-file": b"%PDF-1.4\n1 0 obj\n<< /Type /EmbeddedFile /Length 3 >>\nstream\nabc\n"
    b"endstream\nendobj\n%%EOF\n",
    "script-in-object-stream": _object_stream(b"1 0 << /S /JavaScript /JS (app.alert(1)) >>"),
    "javascript-uri": b"%PDF-1.4\n1 0 obj\n<< /A << /S /URI /URI (javascript:alert(1)) >> >>\n"
    b"endobj\n%%EOF\n",
}


@pytest.mark.parametrize("name", list(HOSTILE_PDFS))
def test_a_pdf_with_markup_or_active_content_is_refused(app, cast, alice, folder, name):
    _refused(_upload(alice, cast, HOSTILE_PDFS[name], f"{name}.pdf"), "active content")
    assert _stored(app) == [] and _files(folder) == []


def test_a_pdf_that_inflates_past_the_budget_is_refused_without_being_unpacked(app, cast, alice):
    bomb = _object_stream(b"0" * (document_checks.INFLATE_BUDGET + 1024))
    assert len(bomb) < 100_000  # small on the wire
    _refused(_upload(alice, cast, bomb, "bomb.pdf"), "unpacks to far more than its size")


def test_a_file_a_little_too_large_is_refused_beside_the_field(app, cast, alice):
    large = PDF[:-6] + b"%" + b"x" * MAX_BYTES + b"\n%%EOF\n"
    _refused(_upload(alice, cast, large, "big.pdf"), "That file is larger than 195 kB.")


def _upload_raw(client, cast, data: bytes, name: str):
    """`_upload` with the multipart body built here in memory: the test client spools a large
    one to a temporary file that nobody closes when the app refuses it unread."""
    url = f"/candidate/checklist/{cast['task']}/upload"
    token = support.csrf_token(client.get("/candidate/checklist").get_data(as_text=True))
    boundary = "----portal-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="document"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_body_far_too_large_is_refused_at_once_with_a_page_that_says_why(app, cast, alice):
    huge = b"%PDF-1.4\n" + b"0" * (3 * MAX_BYTES + 300 * 1024)
    answer = _upload_raw(alice, cast, huge, "huge.pdf")
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert "The document you chose is far larger than the 195 kB allowed" in page
    assert _stored(app) == []


def test_choosing_no_file_says_so(app, cast, alice):
    answer = support.post_form(
        alice,
        f"/candidate/checklist/{cast['task']}/upload",
        {},
        form_url="/candidate/checklist",
        content_type="multipart/form-data",
    )
    _refused(answer, "Choose the file to upload.")


# --- Accepted, and made harmless ----------------------------------------------------------------


def test_an_image_is_written_again_with_nothing_but_its_pixels(app, cast, alice, folder):
    polyglot = _png() + b"<html><script>alert(1)</script></html>" + b"PK\x05\x06" + b"\0" * 18
    answer = _upload(alice, cast, polyglot, "scan.png", content_type="application/pdf")
    assert answer.status_code == 302
    (tick,) = _stored(app)
    assert (tick.document_type, tick.document_name) == ("image/png", "scan.png")
    (stored,) = _files(folder)
    data = stored.read_bytes()
    assert data.endswith(b"IEND\xaeB`\x82") and b"<script" not in data and b"PK" not in data
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (64, 48)

    assert _upload(alice, cast, _jpeg_with_gps(), "me.JPEG").status_code == 302
    (tick,) = _stored(app)
    (stored,) = _files(folder)
    with Image.open(stored) as picture:
        assert tick.document_name == "me.jpg" and picture.format == "JPEG"
        assert dict(picture.getexif()) == {} and b"Spy camera" not in stored.read_bytes()


def test_a_name_is_never_a_path_and_the_file_is_private(app, cast, alice, folder, tmp_path):
    for name in ("../../x", "../../../tmp/evil.pdf", "/etc/passwd", "in\u202efdp.exe"):
        answer = _upload(alice, cast, PDF, name)
        if name.endswith(".exe"):  # shown as "inexe.pdf", it is named .exe: refused
            _refused(answer, "ends in .exe, but it is a PDF")
            continue
        assert answer.status_code == 302, name
        (tick,) = _stored(app)
        assert tick.document_name == {"../../x": "x.pdf", "/etc/passwd": "passwd.pdf"}.get(
            name, "evil.pdf"
        )
        (stored,) = _files(folder)
        assert stored.name == tick.document_key and len(stored.name) == 32
        assert "." not in stored.name and "/" not in stored.name
        assert stored.stat().st_mode & 0o077 == 0  # the portal's user only
    assert folder.stat().st_mode & 0o077 == 0
    # Nothing was written anywhere else, whatever the names said.
    everything = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert everything == set(_files(folder))
    assert not Path(documents.FOLDER_NAME).exists()


def test_documents_are_served_only_to_their_people_and_only_as_downloads(app, cast, alice):
    assert _upload(alice, cast, PDF, "passport.pdf").status_code == 302
    (tick,) = _stored(app)
    own = alice.get(f"/candidate/checklist/documents/{tick.id}")
    assert own.status_code == 200 and own.data == PDF
    assert own.headers["Content-Disposition"] == "attachment; filename=passport.pdf"
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    ben = app.test_client()
    support.sign_in(ben, "ben@example.com")
    assert ben.get(f"/candidate/checklist/documents/{tick.id}").status_code == 404
    anonymous = app.test_client().get(f"/candidate/checklist/documents/{tick.id}")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


# --- Removed with their rows --------------------------------------------------------------------


def test_a_rolled_back_upload_leaves_no_file_and_a_committed_removal_removes_it(app, cast, folder):
    with app.app_context():
        alice = db.session.get(User, cast["alice"])
        item = checklist.task(alice, str(cast["task"]), NOW)
        checked = document_checks.check(
            io.BytesIO(PDF), "a.pdf", max_bytes=MAX_BYTES, max_pixels=10
        )
        checklist.attach(alice, item, checked, NOW)
        assert len(_files(folder)) == 1
        db.session.rollback()
        assert _files(folder) == []
        checklist.attach(alice, item, checked, NOW)
        db.session.commit()
        assert len(_files(folder)) == 1
        checklist.take_back(alice, checklist.task(alice, str(cast["task"]), NOW))
        db.session.flush()
        assert len(_files(folder)) == 1  # not before the commit
        db.session.commit()
        assert _files(folder) == []


def test_retention_forgets_the_documents_of_departed_candidates(app, cast, alice, folder):
    assert _upload(alice, cast, PDF, "passport.pdf").status_code == 302
    with app.app_context():
        # Alice joined long ago: the daily job forgets her, rows and files.
        alice_user = db.session.get(User, cast["alice"])
        alice_user.candidate_profile.joining_date = date(2026, 1, 5)
        db.session.commit()
        outcome = retention.run(NOW)
        db.session.commit()
        assert outcome.forgotten.candidates == 1
        assert outcome.forgotten.rows["checklist_ticks"] == 1
        assert db.session.scalars(select(ChecklistTick)).all() == []
    assert _files(folder) == []


def test_the_sweep_removes_files_no_row_names(app, cast, alice, folder):
    assert _upload(alice, cast, PDF, "passport.pdf").status_code == 302
    (kept,) = _files(folder)
    stray = folder / ("A" * 32)
    stray.write_bytes(b"left behind by a worker that stopped")
    partial = folder / (".B" + "b" * 31 + ".part")
    partial.write_bytes(b"half")
    fresh = folder / ("C" * 32)
    fresh.write_bytes(b"being written now")
    old = clock_time.time() - 7200
    for path in (stray, partial):
        os.utime(path, (old, old))
    with app.app_context():
        removed = documents.sweep(datetime.now(UTC) - timedelta(hours=1))
    assert removed == 2
    assert set(_files(folder)) == {kept, fresh}


def test_forgetting_a_candidate_removes_their_files_once_committed(app, cast, alice, folder):
    assert _upload(alice, cast, PDF, "passport.pdf").status_code == 302
    with app.app_context():
        forgetting.forget([cast["alice"]], NOW, forgetting.Forgotten())
        assert len(_files(folder)) == 1
        db.session.commit()
    assert _files(folder) == []


def test_the_checks_alone(app):
    """The checks as plain functions: a clean name, and what it refuses."""
    assert document_checks.clean_name("C:\\Users\\me\\CV v2.1") == ("CV v2.1", "")
    assert document_checks.clean_name("../.hidden.pdf") == ("hidden", ".pdf")
    assert document_checks.clean_name("..\\..\\windows\\evil.pdf") == ("evil", ".pdf")
    with app.test_request_context(), pytest.raises(DocumentError, match="empty"):
        document_checks.check(io.BytesIO(b""), "x.pdf", max_bytes=10, max_pixels=10)
