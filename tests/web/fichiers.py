"""Real files made in the test: valid images and PDFs of each accepted format, and bad ones."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def image(format_: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=format_)
    return out.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg() -> bytes:
    return image("JPEG")


def tiff() -> bytes:
    return image("TIFF")


def bmp() -> bytes:
    return image("BMP")


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_tronque() -> bytes:
    data = image("PNG", (300, 300))
    return data[: len(data) // 2]


def executable() -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(200)


def html() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def gros_fichier(taille: int) -> bytes:
    """A valid PDF padded past `taille` bytes (the size rule must trigger, not the format rule)."""
    base = pdf()
    return base + b"%" + b"0" * (taille - len(base) - 1)
