"""The PDFs' font registered once per process (issue 13): the same document as with @font-face in each one.

app/pdf.py registers the DejaVu faces with ReportLab and the family in xhtml2pdf's table of default families,
instead of an @font-face that reads and hashes both font files (1.4 MB) at every document. These tests hold it to
that: the fonts are embedded, no font warning, and the bytes are those of the @font-face way (ReportLab's invariant
mode fixes the date and the document id), so a library upgrade that changes either path shows here.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.feature("F-47")

# Renders the confirmation for a fixed application, with @font-face forced or not, and prints the PDF's SHA-256.
SCRIPT = """
import hashlib, sys
from datetime import date
from types import SimpleNamespace
from reportlab import rl_config
rl_config.invariant = 1
import app.pdf as pdf
from app import create_app
if sys.argv[1] == "font-face":
    pdf.polices_prechargees = lambda: False
application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "essai"})
personne = {"numero_etranger": "5908002011", "nom_naissance": "DIALLO", "nom_usage": "BÂ", "prenoms": "Aïssatou",
            "date_naissance": date(2007, 3, 1), "lieu_naissance": "Conakry, GUINÉE", "nationalite": "guinéenne",
            "adresse": "3 ALLÉE DE L'ÉTANG BÂTIMENT ÈVE 42000 SAINT-ÉTIENNE FRANCE", "email": "a@example.org",
            "nom_complet": "Aïssatou DIALLO"}
with application.test_request_context():
    contenu = pdf.render_pdf("pdf/confirmation_depot.html", demande=SimpleNamespace(numero="4220260000000000001"),
                             personne=personne, date_depot=date(2026, 1, 2), date_emission=date(2026, 1, 2))
sys.stdout.write(hashlib.sha256(contenu).hexdigest())
"""


def _empreinte(mode: str) -> str:
    sortie = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert sortie.returncode == 0, sortie.stderr
    return sortie.stdout.strip()


def test_meme_pdf_qu_avec_font_face_dans_chaque_document():
    # Each in a fresh process: ReportLab's font registry is process wide.
    assert _empreinte("prechargees") == _empreinte("font-face")


def test_les_polices_dejavu_sont_embarquees_sans_avertissement(app, caplog):
    from datetime import date
    from types import SimpleNamespace

    from app.pdf import polices_prechargees, render_pdf

    personne = {"numero_etranger": "5908002011", "nom_naissance": "Bâ", "nom_usage": "", "prenoms": "Ève",
                "date_naissance": date(2007, 3, 1), "lieu_naissance": "Conakry, Guinée", "nationalite": "guinéenne",
                "adresse": "3 ALLÉE DE L'ÉTANG", "email": "a@example.org", "nom_complet": "Ève BÂ"}
    with app.test_request_context(), caplog.at_level(logging.WARNING, logger="xhtml2pdf"):
        contenu = render_pdf("pdf/confirmation_depot.html", demande=SimpleNamespace(numero="4220260000000000001"),
                             personne=personne, date_depot=date(2026, 1, 2), date_emission=date(2026, 1, 2))
    assert polices_prechargees() is True  # the fast path is the one taken
    assert not [r for r in caplog.records if "font" in r.getMessage().lower()], caplog.text
    page = PdfReader(io.BytesIO(contenu)).pages[0]
    polices = {str(f.get_object()["/BaseFont"]).partition("+")[2] for f in page["/Resources"]["/Font"].values()}
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= polices, polices
    texte = " ".join(page.extract_text().split())
    assert "Nom de naissance : BÂ" in texte and "Prénom : ÈVE" in texte and "3 ALLÉE DE L'ÉTANG" in texte, texte
