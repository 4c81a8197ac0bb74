"""PDF documents drawn from HTML templates with xhtml2pdf, with an embedded Unicode font.

Resources are confined to app/pdf_assets (xhtml2pdf silently ignores files outside the allowed
folder: see SPIFFWORKFLOW.md, xhtml2pdf note); nothing remote is fetched.

The DejaVu faces are registered with ReportLab once per process (`polices_prechargees`) rather than by an
@font-face in every document: xhtml2pdf reads and hashes both font files (1.4 MB) at each @font-face, 5 ms of
a 33 ms confirmation. If that registration cannot be done (a library change), the templates fall back to their
@font-face rules: same font, same text, only slower.
"""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path
from typing import Any

from flask import render_template
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

ASSETS = Path(__file__).resolve().parent / "pdf_assets"
POLICY = ResourceAccessPolicy(base_dir=str(ASSETS), allow_remote=False)
FAMILLE = "dejavu"  # the CSS font-family « DejaVu » of pdf/_styles.html, as xhtml2pdf keys it (lower case)
# ReportLab face names: those xhtml2pdf gives the same files through @font-face (family_<bold><italic>).
FACES = {"dejavu_00": "DejaVuSans.ttf", "dejavu_10": "DejaVuSans-Bold.ttf"}

log = logging.getLogger(__name__)


class PdfError(RuntimeError):
    """The PDF could not be drawn."""


@functools.cache
def polices_prechargees() -> bool:
    """Register the DejaVu faces with ReportLab and the family with xhtml2pdf, once per process; False if the
    library no longer offers the table of default families (xhtml2pdf.default.DEFAULT_FONT, copied into each
    document's context): then the templates embed the font with @font-face as before."""
    fonts = getattr(xhtml2pdf_default, "DEFAULT_FONT", None)
    if not isinstance(fonts, dict):
        log.warning("xhtml2pdf.default.DEFAULT_FONT absent : polices chargées par @font-face à chaque document")
        return False
    deja = set(pdfmetrics.getRegisteredFontNames())
    for face, fichier in FACES.items():
        if face not in deja:  # one registry per process, shared with any @font-face of the same files
            pdfmetrics.registerFont(TTFont(face, str(ASSETS / "fonts" / fichier)))
    for italique in (1, 0):  # no italic file: italic is drawn upright; (…, 0) last so each face maps back to itself
        addMapping(FAMILLE, 0, italique, "dejavu_00")
        addMapping(FAMILLE, 1, italique, "dejavu_10")
    fonts[FAMILLE] = FAMILLE  # what the family resolves to; ReportLab's mapping then picks the face by weight
    return True


def render_html(template: str, **context: Any) -> str:
    """The document's HTML: all its inputs, frozen (a PDF drawn later from it says what it said then)."""
    return render_template(template, assets=ASSETS.as_posix(), polices_prechargees=polices_prechargees(), **context)


def render_pdf(template: str, **context: Any) -> bytes:
    return html_en_pdf(render_html(template, **context), template)


def html_en_pdf(html: str, template: str = "le document") -> bytes:
    polices_prechargees()  # a worker may draw HTML rendered by another process
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=POLICY)
    if status.err:
        raise PdfError(f"xhtml2pdf : {status.err} erreur(s) en dessinant {template}")
    return out.getvalue()
