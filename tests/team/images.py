"""Files for the photo tests, made here byte by byte: real images, and the hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED = (200, 30, 30)
BLUE = (30, 60, 200)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()


def jpeg(size=(300, 200), colour=RED, **options) -> bytes:
    return image_bytes(Image.new("RGB", size, colour), "JPEG", **options)


def png(size=(300, 200), colour=BLUE, mode="RGB") -> bytes:
    return image_bytes(Image.new(mode, size, colour), "PNG")


def webp(size=(300, 200), colour=BLUE) -> bytes:
    return image_bytes(Image.new("RGB", size, colour), "WEBP")


def noisy_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    import os

    return image_bytes(Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)), "PNG")


def sideways_jpeg_with_gps() -> bytes:
    """A phone photo held upright but stored on its side (EXIF orientation 6: turn 90° clockwise
    to show), with the GPS position where it was taken. As stored, 300 wide and 100 high: red
    above, blue below. Shown upright it is 100 wide and 300 high: blue left, red right."""
    stored = Image.new("RGB", (300, 100), RED)
    stored.paste(BLUE, (0, 50, 300, 100))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)}  # the Eiffel Tower
    )
    return image_bytes(stored, "JPEG", exif=exif.tobytes(), quality=95)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A few hundred bytes whose header claims width × height pixels (here 900 megapixels,
    about 2.7 GB once decoded): a decompression bomb. Only its first row is there."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    first_row = zlib.compress(b"\x00" + b"\x00" * (3 * width), 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", first_row)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    whole = image_bytes(Image.effect_noise((400, 400), 64).convert("RGB"), "JPEG", quality=90)
    return whole[: len(whole) // 2]


SCRIPT = b"<script>alert(document.cookie)</script>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" '
    b'onload="alert(1)">' + SCRIPT + b'<circle cx="100" cy="100" r="80"/></svg>\n'
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TEXT = b"Not a photo at all, only a text file with a photo's name.\n"
# Starts as a PNG does, goes on as a web page: no image in it.
HTML_WITH_PNG_SIGNATURE = (
    b"\x89PNG\r\n\x1a\n<!doctype html><html><body>" + SCRIPT + b"</body></html>"
)


# A web page saved with a photo's name: no image signature at all.
HTML_NAMED_JPEG = (
    b"<!doctype html><html><head><title>me</title></head><body>" + SCRIPT + b"</body></html>"
)


def jpeg_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to claim width × height pixels
    (here 3.6 gigapixels): a decompression bomb that only its header gives away."""
    data = bytearray(jpeg((64, 64), RED))
    at = data.index(b"\xff\xc0")  # start of frame: marker, length, precision, height, width
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_html_polyglot() -> bytes:
    """A real JPEG that is also a web page: HTML in its comment segment and after its end."""
    picture = jpeg((200, 200), RED, comment=b"<html><body>" + SCRIPT)
    return picture + b"<html><body>" + SCRIPT + b"</body></html>"


def gif() -> bytes:
    return image_bytes(Image.new("P", (200, 200), 1), "GIF")


def transparent_png() -> bytes:
    """A transparent square with an opaque red dot in the middle."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (80, 80, 120, 120))
    return image_bytes(image, "PNG")
