"""Photos staff upload (a manager, a buddy, a team member): read by what the bytes are, never
by the file's name or declared type; refused when they are not a JPEG, PNG or WebP image, too
large, too many pixels (a decompression bomb), too small or damaged; then turned upright (EXIF
orientation), cropped square, resized, converted to sRGB and re-encoded as WebP with no
metadata at all (no EXIF, no GPS position, no ICC profile, no comments, nothing trailing), so
what is served is only pixels the portal wrote itself.

Stored in the database (every host serves the same photo) with the SHA-256 of its bytes, which
the photo's address carries: a new photo is a new row and a new address, so a browser may keep
each one for a year.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass
from typing import IO, Protocol

from flask import current_app, url_for
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import delete

from portal.core.extensions import db
from portal.core.i18n import _, format_decimal, format_number
from portal.core.uploads import size_in_words
from portal.team.models import TeamPhoto

CONTENT_TYPE = "image/webp"
SIDE = 512  # served photos are squares of at most this many pixels a side
SMALLEST_SIDE = 96  # a photo narrower than this would be a blur on the page
WEBP_QUALITY = 85
# Portraits keep the face: a tall photo is cropped a little above its middle.
CROP_CENTRE = (0.5, 0.4)
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"


class PhotoError(ValueError):
    """A file that cannot be used as a photo, with a message for the person who chose it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: re-encoded bytes and what they are."""

    data: bytes
    width: int
    height: int
    digest: str
    content_type: str = CONTENT_TYPE


def sniffed_format(head: bytes) -> str | None:
    """The Pillow format the first bytes announce: JPEG, PNG or WEBP; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def too_large(max_bytes: int) -> str:
    """What is wrong with a file over `max_bytes`, in the reader's language (the server says
    it beside the field, and static/photo-field.js before the file is sent)."""
    return _(
        "That file is larger than %(size)s. Choose a smaller photo, or save this one smaller "
        "first.",
        size=size_in_words(max_bytes),
    )


def prepare(stream: IO[bytes], *, max_bytes: int, max_pixels: int) -> PreparedPhoto:
    """The upload in `stream` as a photo to store, or PhotoError saying what is wrong."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise PhotoError(_("That file is empty. Choose a JPEG, PNG or WebP photo."))
    if len(data) > max_bytes:
        raise PhotoError(too_large(max_bytes))
    kind = sniffed_format(data[:16])
    if kind is None:
        raise PhotoError(
            _("That file is not a JPEG, PNG or WebP photo. Choose a JPEG, PNG or WebP photo.")
        )
    image = _decoded(data, kind, max_pixels)
    return _encoded(_square(_srgb(_upright(image))))


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says (a phone's portrait photo is stored on its side);
    as stored when that tag cannot be read."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, struct.error):
        return image


def _decoded(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Open as the sniffed format only; check the size from the header before any pixel is
    decoded; then decode the first frame (a JPEG at a reduced scale when it is much larger
    than what is kept)."""
    unreadable = PhotoError(
        _(
            "That photo could not be read: it may be damaged or cut short. Choose a JPEG, PNG "
            "or WebP photo."
        )
    )
    too_many = PhotoError(
        _(
            "That photo has too many pixels (more than %(megapixels)s megapixels). Choose a "
            "smaller photo.",
            megapixels=format_decimal(round(max_pixels / 1_000_000), "#,##0"),
        )
    )
    with warnings.catch_warnings():
        # Pillow's own bomb check warns below twice its limit and raises above: both refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise unreadable from None
        width, height = image.size
        if width * height > max_pixels:
            raise too_many
        if min(width, height) < SMALLEST_SIDE:
            raise PhotoError(
                _(
                    "That photo is too small (%(width)s × %(height)s pixels). Choose one at "
                    "least %(side)s pixels wide and high.",
                    width=format_number(width),
                    height=format_number(height),
                    side=SMALLEST_SIDE,
                )
            )
        try:
            if kind == "JPEG":
                image.draft("RGB", (SIDE * 2, SIDE * 2))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise unreadable from None
    return image


def _srgb(image: Image.Image) -> Image.Image:
    """The picture as plain RGB pixels in sRGB: its ICC profile applied (or, when it cannot be
    read, ignored), transparency laid on white."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "CMYK"):
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None
        if converted is not None:
            image = converted
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    try:
        return image.convert("RGB")
    except (OSError, ValueError):
        raise PhotoError(
            _("That photo's colours could not be read. Choose a JPEG, PNG or WebP photo.")
        ) from None


def _square(image: Image.Image) -> Image.Image:
    side = min(SIDE, *image.size)
    fitted = ImageOps.fit(
        image, (side, side), method=Image.Resampling.LANCZOS, centering=CROP_CENTRE
    )
    # A new image holding only the pixels: nothing of the file's `info` comes along.
    clean = Image.new("RGB", fitted.size)
    clean.paste(fitted)
    return clean


def _encoded(image: Image.Image) -> PreparedPhoto:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4, exif=b"", icc_profile=None)
    data = out.getvalue()
    return PreparedPhoto(
        data=data,
        width=image.width,
        height=image.height,
        digest=hashlib.sha256(data).hexdigest(),
    )


def prepare_upload(stream: IO[bytes]) -> PreparedPhoto:
    """`prepare` with the limits the portal is configured with."""
    config = current_app.config
    return prepare(
        stream, max_bytes=int(config["PHOTO_MAX_BYTES"]), max_pixels=int(config["PHOTO_MAX_PIXELS"])
    )


def store(prepared: PreparedPhoto, *, candidate_id: int | None = None) -> TeamPhoto:
    """A new photo row (flushed, so it has its id)."""
    photo = TeamPhoto(
        digest=prepared.digest,
        content_type=prepared.content_type,
        width=prepared.width,
        height=prepared.height,
        data=prepared.data,
        candidate_id=candidate_id,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def discard(photo_id: int | None) -> None:
    """Delete a photo nothing shows any more (each photo is shown in one place only)."""
    if photo_id is not None:
        db.session.execute(delete(TeamPhoto).where(TeamPhoto.id == photo_id))


def replaced(
    current_id: int | None,
    new: PreparedPhoto | None,
    *,
    remove: bool,
    candidate_id: int | None = None,
) -> int | None:
    """The photo id to keep after a form: the new photo's when one was chosen (the old one is
    deleted), None when "remove the photo" was ticked, else the current one."""
    if new is not None:
        # Stored before the old one goes: SQLite may give a new row the id of a deleted one,
        # and the caller's "photo_id = new id" would then look like no change at all.
        kept = store(new, candidate_id=candidate_id).id
        discard(current_id)
        return kept
    if remove:
        discard(current_id)
        return None
    return current_id


class PhotoAddress(Protocol):
    """What a photo's address is made of: a TeamPhoto, or the id and digest read alone."""

    @property
    def id(self) -> int: ...

    @property
    def digest(self) -> str: ...


def photo_url(photo: PhotoAddress | None) -> str | None:
    """Where the page loads `photo` from (None: no photo). The digest makes the address change
    with the bytes, which is what lets browsers cache it for a year."""
    if photo is None:
        return None
    return url_for("team.photo", photo_id=photo.id, digest=photo.digest)
