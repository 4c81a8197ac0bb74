"""PDF documents drawn from HTML templates with xhtml2pdf, with an embedded Unicode font.

Resources are confined to app/pdf_assets (xhtml2pdf silently ignores files outside the allowed
folder: see SPIFFWORKFLOW.md, xhtml2pdf note); nothing remote is fetched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import render_template
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

ASSETS = Path(__file__).resolve().parent / "pdf_assets"
POLICY = ResourceAccessPolicy(base_dir=str(ASSETS), allow_remote=False)


class PdfError(RuntimeError):
    """The PDF could not be drawn."""


def render_pdf(template: str, **context: Any) -> bytes:
    html = render_template(template, assets=ASSETS.as_posix(), **context)
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=POLICY)
    if status.err:
        raise PdfError(f"xhtml2pdf : {status.err} erreur(s) en dessinant {template}")
    return out.getvalue()
