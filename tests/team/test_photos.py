"""Photos as staff upload them: only JPEG, PNG and WebP by their bytes; never too large, a
bomb, damaged or too small; always upright, square, sRGB WebP with no metadata at all."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.team import photos
from portal.team.photos import PhotoError
from tests.team import images

LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_pixels": 40_000_000}


def prepare(data: bytes, **limits) -> photos.PreparedPhoto:
    return photos.prepare(io.BytesIO(data), **{**LIMITS, **limits})


def reopen(prepared: photos.PreparedPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (images.jpeg(), "JPEG"),
        (images.png(), "PNG"),
        (images.webp(), "WEBP"),
    ],
)
def test_jpeg_png_and_webp_become_a_square_webp(data, kind):
    assert photos.sniffed_format(data[:16]) == kind
    prepared = prepare(data)
    image = reopen(prepared)
    assert image.format == "WEBP" and prepared.content_type == "image/webp"
    assert image.size == (200, 200) == (prepared.width, prepared.height)  # cropped, not grown
    assert prepared.data[:4] == b"RIFF" and prepared.data[8:12] == b"WEBP"


def test_a_large_photo_is_resized_to_512_pixels_a_side():
    image = reopen(prepare(images.jpeg((3000, 2000))))
    assert image.size == (photos.SIDE, photos.SIDE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (images.TEXT, "not a JPEG, PNG or WebP photo"),
        (images.PDF, "not a JPEG, PNG or WebP photo"),
        (images.SVG_WITH_SCRIPT, "not a JPEG, PNG or WebP photo"),
        (images.gif(), "not a JPEG, PNG or WebP photo"),
        (b"", "That file is empty"),
        (images.HTML_WITH_PNG_SIGNATURE, "could not be read"),
        (images.truncated_jpeg(), "could not be read"),
        (images.png_bomb(), "too many pixels"),
        (images.png((60, 400)), "too small (60 × 400 pixels)"),
    ],
    ids=["text", "pdf", "svg-script", "gif", "empty", "html-png", "truncated", "bomb", "small"],
)
def test_what_is_not_a_usable_photo_is_refused_in_words(data, message):
    with pytest.raises(PhotoError, match=message.replace("(", r"\(").replace(")", r"\)")):
        prepare(data)


def test_the_bomb_is_a_small_file_refused_before_any_pixel_is_decoded():
    bomb = images.png_bomb()
    assert len(bomb) < 100_000
    # Pillow's own check would only warn between 89 and 179 megapixels: ours refuses at ours.
    with pytest.raises(PhotoError, match="more than 40 megapixels"):
        prepare(images.png_bomb(10_000, 10_000))
    with pytest.raises(PhotoError, match="too many pixels"):
        prepare(bomb, max_pixels=10**12)  # past Pillow's own limit, whatever ours says


def test_a_file_over_the_limit_is_refused_without_reading_it_all():
    data = images.noisy_png(200)
    assert len(data) > 100 * 1024
    stream = io.BytesIO(data)
    with pytest.raises(PhotoError, match="larger than 100 kB"):
        photos.prepare(stream, max_bytes=100 * 1024, max_pixels=10**6)
    assert stream.tell() == 100 * 1024 + 1


def test_exif_orientation_is_applied_then_every_piece_of_metadata_is_gone():
    original = images.sideways_jpeg_with_gps()
    before = Image.open(io.BytesIO(original))
    assert before.getexif().get_ifd(images.GPS_IFD), "the test photo carries a GPS position"
    assert before.size == (300, 100)
    prepared = prepare(original)
    image = reopen(prepared)
    # Upright: 100 × 300 cropped to 100 × 100, blue on the left, red on the right.
    assert image.size == (100, 100)
    left, right = image.getpixel((10, 50)), image.getpixel((90, 50))
    assert left[2] > 150 > left[0], left
    assert right[0] > 150 > right[2], right
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    assert b"Exif" not in prepared.data and b"PhoneMaker" not in prepared.data
    assert b"GPS" not in prepared.data


def test_a_colour_profile_is_applied_and_dropped():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, profile, b"not a profile"):
        data = images.image_bytes(Image.new("RGB", (200, 200), images.RED), "JPEG", icc_profile=icc)
        image = reopen(prepare(data))
        assert "icc_profile" not in image.info


def test_transparency_is_laid_on_white():
    image = reopen(prepare(images.transparent_png())).convert("RGB")
    corner = image.getpixel((5, 5))
    middle = image.getpixel((100, 100))
    assert min(corner) > 240, corner
    assert middle[0] > 150 > middle[2], middle


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16", "LA", "1"])
def test_other_colour_modes_come_out_as_rgb(mode):
    data = images.image_bytes(Image.new(mode, (150, 150)), "PNG" if mode != "CMYK" else "JPEG")
    assert reopen(prepare(data)).mode == "RGB"


def test_an_image_that_is_also_a_web_page_keeps_only_its_pixels():
    """A JPEG with HTML in a comment and after its end decodes as a JPEG: what is stored is
    the portal's own re-encoding, in which no byte of the page survives."""
    polyglot = images.jpeg_html_polyglot()
    assert images.SCRIPT in polyglot
    prepared = prepare(polyglot)
    assert b"<script" not in prepared.data and b"<html" not in prepared.data
    assert reopen(prepared).format == "WEBP"


def test_the_same_photo_has_the_same_digest_and_address_parts():
    first, second = prepare(images.jpeg()), prepare(images.jpeg())
    assert first.digest == second.digest and len(first.digest) == 64
    assert prepare(images.png()).digest != first.digest
