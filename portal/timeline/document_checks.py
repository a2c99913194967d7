"""What a document a candidate uploads for a task must be: a PDF, PNG or JPEG, read by what its
bytes are (never by its name or the type the browser declared), refused when it is empty, too
large, not one of those, named as another type than it is, or hostile.

Hostile means something a browser or a viewer could be led to run: markup or script anywhere
in a PDF (an HTML page that starts with "%PDF-", a PDF/HTML polyglot), a PDF's active content
(JavaScript, launch actions, embedded files, forms that submit, rich media), looked for in the
file and inside its compressed object streams (decompressed up to a budget, so a small file
that inflates hugely is refused, not unpacked). Images are decoded (after their pixel count is
read from the header: a decompression bomb is refused before it is decoded) and written again,
so what is stored holds only the pixels: no EXIF (no GPS position), no comments, nothing
appended after the picture.

Plain functions on bytes; the name the candidate's file had is cleaned for the download.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.i18n import _
from portal.core.uploads import size_in_words


@dataclass(frozen=True)
class Kind:
    """A type of document the checklist accepts."""

    content_type: str
    extension: str  # what its download is named with
    extensions: tuple[str, ...]  # the names it may have been given
    words: str  # how the messages name it


PDF = Kind("application/pdf", ".pdf", (".pdf",), "PDF")
PNG = Kind("image/png", ".png", (".png",), "PNG")
JPEG = Kind("image/jpeg", ".jpg", (".jpg", ".jpeg", ".jpe", ".jfif"), "JPEG")
KINDS = (PDF, PNG, JPEG)
ACCEPT_ATTRIBUTE = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
NAME_MAX = 120  # characters of the name kept for the download, before its extension
# A PDF's compressed object streams are unpacked to look inside, up to this many bytes in all.
INFLATE_BUDGET = 32 * 1024 * 1024
JPEG_QUALITY = 92

# Markup a browser would render or run, anywhere in a PDF (compressed data cannot spell these
# by chance: seven bytes or more, or a tag name and what must follow it).
_MARKUP = re.compile(
    rb"<\s*(?:script|html|body|iframe|object|embed|!doctype\s+html|meta\s+http-equiv)\b"
    rb"|javascript\s*:",
    re.IGNORECASE,
)
# A PDF's names (/JavaScript), with any #xx escapes (/J#61vaScript) still in them.
_NAME = re.compile(rb"/([A-Za-z0-9#._+-]{1,64})")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
ACTIVE_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToE",
    }
)
# An object stream's dictionary and where its data starts.
_OBJECT_STREAM = re.compile(rb"<<((?:(?!>>\s*stream).){0,2000}?)>>\s*stream\r?\n", re.DOTALL)
_EXTENSION = re.compile(r"[a-z][a-z0-9]{0,5}")


class DocumentError(ValueError):
    """A file that cannot be used, with a message for the person who chose it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedDocument:
    """A document ready to store: its bytes (re-encoded for an image), what they are, and the
    name its download gets."""

    data: bytes
    kind: Kind
    name: str


def accepted_words() -> str:
    return _("a PDF, PNG or JPEG file")


def sniffed(head: bytes) -> Kind | None:
    """The type the first bytes announce; None for anything else."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def clean_name(filename: str | None) -> tuple[str, str]:
    """The last part of a file's name as the browser sent it, without any folders ("../../x"
    is "x"), control characters or leading dots; and its extension in lower case ("" if none)."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters (a right-to-left override that shows "exe.pdf") go.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    extension = extension.strip().lower()
    if not dot or not stem or not _EXTENSION.fullmatch(extension):
        return name, ""  # "CV v2.1" has no extension
    return stem.strip(), f".{extension}"


def download_name(stem: str, kind: Kind) -> str:
    stem = stem[:NAME_MAX].strip() or "document"
    return f"{stem}{kind.extension}"


def check(
    stream: IO[bytes], filename: str | None, *, max_bytes: int, max_pixels: int
) -> CheckedDocument:
    """The upload in `stream` as a document to store, or DocumentError saying what is wrong."""
    data = stream.read(max_bytes + 1)
    accepted = accepted_words()
    if not data:
        raise DocumentError(_("That file is empty. Choose %(accepted)s.", accepted=accepted))
    if len(data) > max_bytes:
        raise DocumentError(
            _(
                "That file is larger than %(size)s. Choose a smaller file, or save this one "
                "smaller first.",
                size=size_in_words(max_bytes),
            )
        )
    kind = sniffed(data[:16])
    if kind is None:
        raise DocumentError(
            _("That file is not a PDF, PNG or JPEG. Choose %(accepted)s.", accepted=accepted)
        )
    stem, extension = clean_name(filename)
    if extension and extension not in kind.extensions:
        raise DocumentError(
            _(
                "That file's name ends in %(extension)s, but it is a %(kind)s. Rename it to end "
                "in %(right)s, or choose the file you meant.",
                extension=extension,
                kind=kind.words,
                right=kind.extension,
            )
        )
    if not extension:
        stem = stem or "document"
    checked = _pdf(data) if kind is PDF else _image(data, kind, max_pixels)
    return CheckedDocument(data=checked, kind=kind, name=download_name(stem, kind))


# --- PDF ---------------------------------------------------------------------------------------


def _refused_pdf() -> DocumentError:
    return DocumentError(
        _(
            "That PDF holds web page code, scripts or other active content, which we do not "
            "accept. Print it to a new PDF, or scan the paper, and upload that."
        )
    )


def _pdf(data: bytes) -> bytes:
    """The PDF as it came, once nothing hostile was found in it."""
    if b"%%EOF" not in data[-4096:]:
        raise DocumentError(
            _("That PDF could not be read: it may be damaged or cut short. Choose it again.")
        )
    if _hostile(data):
        raise _refused_pdf()
    budget = INFLATE_BUDGET
    for found in _OBJECT_STREAM.finditer(data):
        dictionary = found.group(1)
        if b"/ObjStm" not in dictionary or b"/FlateDecode" not in dictionary:
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[found.end() :], budget + 1)
        except zlib.error:
            continue  # not what it claims: a viewer cannot read objects from it either
        if len(inflated) > budget:
            raise DocumentError(
                _(
                    "That PDF unpacks to far more than its size, so it could not be checked. "
                    "Print it to a new PDF and upload that."
                )
            )
        budget -= len(inflated)
        if _hostile(inflated):
            raise _refused_pdf()
    return data


def _hostile(data: bytes) -> bool:
    if _MARKUP.search(data):
        return True
    for match in _NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        if name in ACTIVE_NAMES:
            return True
    return False


# --- Images ------------------------------------------------------------------------------------


def _image(data: bytes, kind: Kind, max_pixels: int) -> bytes:
    """The picture written again: only its pixels, upright, nothing else of the file."""
    unreadable = DocumentError(
        _("That image could not be read: it may be damaged or cut short. Choose it again.")
    )
    too_many = DocumentError(
        _(
            "That image has too many pixels (more than %(megapixels)s megapixels). Choose a "
            "smaller one.",
            megapixels=f"{max_pixels / 1_000_000:.0f}",
        )
    )
    pillow_format = "PNG" if kind is PNG else "JPEG"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[pillow_format])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise unreadable from None
        width, height = image.size
        if width * height > max_pixels:  # from the header, before a pixel is decoded
            raise too_many
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise unreadable from None
    upright: Image.Image = image
    # An orientation that cannot be read leaves the picture as stored.
    with contextlib.suppress(OSError, ValueError, SyntaxError, KeyError, TypeError):
        upright = ImageOps.exif_transpose(image)
    return _pixels_only(upright, kind, unreadable)


def _pixels_only(image: Image.Image, kind: Kind, unreadable: DocumentError) -> bytes:
    """A new file holding the picture's pixels and nothing of the old file's `info` (no text,
    EXIF, ICC profile or anything that came after the picture)."""
    if kind is PNG:
        keep = ("1", "L", "LA", "RGB", "RGBA", "I", "I;16")
        wanted = image.mode if image.mode in keep else "RGBA"
    else:
        wanted = image.mode if image.mode in ("L", "RGB", "CMYK") else "RGB"
    try:
        pixels = image.convert(wanted) if image.mode != wanted else image.copy()
        pixels.info = {}
        out = io.BytesIO()
        if kind is PNG:
            pixels.save(out, format="PNG", icc_profile=None, exif=b"")
        else:
            pixels.save(out, format="JPEG", quality=JPEG_QUALITY, icc_profile=None, exif=b"")
    except (OSError, ValueError):
        raise unreadable from None
    return out.getvalue()
