"""Uploads an attacker cannot turn against the service (issue 9, defects 4, 8 and 12; F-48).

- A file is judged (streamed to disk, hashed, its format and content checked) before the application's
  transaction takes the database's write lock: other users can save while a large image is judged.
- Images are bounded: a pixel limit sized for phone photos, and a judgement whose memory does not grow with
  the bitmap (measured in a real child process).
- A file name with control or bidirectional characters is cleaned, and a row stored earlier with such a name
  is still served (owner and agent) with a sane Content-Disposition.
- A PDF's active content (JavaScript, launch actions, embedded files) is removed before the agent sees it.
"""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
import subprocess
import sys
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlalchemy import create_engine, select
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.models import Document
from tests.conftest import ROOT, csrf_token, task_id
from tests.web.agent_outils import login_agent
from tests.web.helpers import PNG_1PX, deposit, post_step, step3_fields, text, to_step3
from tests.web.instruction import derniere, examiner

pytestmark = pytest.mark.feature("F-48")

# The largest photo a current phone takes by default (24 Mpx, iPhone 15 and later): it must be accepted.
PHOTO_DE_TELEPHONE = (5712, 4284)


@cache
def png_uni(taille: tuple[int, int], mode: str = "RGB") -> bytes:
    """A large one-colour PNG: a few hundred KB on the wire, tens of MB once decoded."""
    out = io.BytesIO()
    Image.new(mode, taille, (200, 30, 30, 255)[: len(mode)]).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@cache
def jpeg_uni(taille: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", taille, (30, 30, 200)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def multipart(champs: dict[str, str], fichiers: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A form body as any HTTP client may send it; file names in RFC 5987 form (`filename*=UTF-8''…`), which
    carries any character, CR, LF and NUL included."""
    frontiere = "frontiere-de-test-7c1f"
    corps = b""
    for nom, valeur in champs.items():
        corps += (f'--{frontiere}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n{valeur}\r\n').encode()
    for champ, nom_fichier, contenu in fichiers:
        corps += (f"--{frontiere}\r\nContent-Disposition: form-data; name=\"{champ}\"; "
                  f"filename*=UTF-8''{quote(nom_fichier, safe='')}\r\n"
                  "Content-Type: application/octet-stream\r\n\r\n").encode() + contenu + b"\r\n"
    corps += f"--{frontiere}--\r\n".encode()
    return corps, f"multipart/form-data; boundary={frontiere}"


def joindre_brut(client: Any, url: str, champ: str, nom_fichier: str, contenu: bytes) -> Any:
    page = client.get(url).get_data(as_text=True)
    corps, type_ = multipart({"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "joindre"},
                             [(champ, nom_fichier, contenu)])
    return client.post(url, data=corps, content_type=type_, follow_redirects=True)


def joindre(client: Any, url: str, fichiers: dict[str, tuple[bytes, str]], action: str = "joindre",
            **champs: Any) -> Any:
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "action": action, **champs}
    tache = re.search(r'name="task_id" value="([^"]+)"', page)
    if tache:
        data["task_id"] = tache.group(1)
    for nom_champ, (contenu, nom) in fichiers.items():
        data[nom_champ] = (io.BytesIO(contenu), nom)
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=True)


def documents_en_base(app: Any) -> list[Document]:
    with app.app_context():
        rows = db.session.scalars(select(Document).order_by(Document.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def etape3(client, demo):
    return to_step3(client, demo["CAS_3"], "CAS_3")


# --- Defect 4: judged without any database lock, bounded per file ------------------------------------------------


def verrou_libre_pendant_la_reception(app: Any, envoi: Any) -> list[bool]:
    """Runs `envoi` (an upload request) in a thread. Each time a file of it is on disk being received, another
    connection tries to take the database's write lock, as another user's « Enregistrer » does at once: True
    when it got it (then released at once), False when the upload held it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    reception = Path(app.config["DOCUMENTS_DIR"]) / "reception"
    if url.startswith("sqlite"):
        autre = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        return _sonder(envoi, reception, autre.close, lambda: _ecrire_sqlite(autre), sqlite3.OperationalError)
    # PostgreSQL locks rows, not the database: another user's « Enregistrer » takes its application's row (SELECT …
    # FOR UPDATE, app/workflow/store.py). The probe takes every application's row at once, without waiting.
    moteur = create_engine(url, poolclass=NullPool)
    autre_pg = moteur.connect()

    def fermer() -> None:
        autre_pg.close()
        moteur.dispose()

    return _sonder(envoi, reception, fermer, lambda: _ecrire_postgresql(autre_pg), OperationalError)


def _ecrire_sqlite(autre: sqlite3.Connection) -> None:
    autre.execute("BEGIN IMMEDIATE")
    autre.execute("ROLLBACK")


def _ecrire_postgresql(autre: Any) -> None:
    try:
        autre.execute(sql("SELECT id FROM demande FOR UPDATE NOWAIT")).all()
    finally:
        autre.rollback()


def _sonder(envoi: Any, reception: Path, fermer: Any, ecrire: Any, verrouillee: Any) -> list[bool]:
    sondes: list[bool] = []
    resultat: list[Any] = []
    fil = threading.Thread(target=lambda: resultat.append(envoi()))
    fil.start()
    try:
        while fil.is_alive():
            if reception.is_dir() and any(reception.iterdir()):
                try:
                    ecrire()
                    sondes.append(True)
                except verrouillee:  # « database is locked », or a row lock held (LockNotAvailable)
                    sondes.append(False)
            time.sleep(0.001)
    finally:
        fil.join()
        fermer()
    assert resultat and resultat[0].status_code == 200
    return sondes


def test_un_grand_fichier_est_juge_sans_bloquer_les_autres_usagers(app, client, etape3):
    image = png_uni(PHOTO_DE_TELEPHONE, "RGBA")  # 98 MB once inflated: tens of ms to judge, long enough to observe
    sondes = verrou_libre_pendant_la_reception(
        app, lambda: joindre(client, etape3, {"fichier_identite": (image, "photo.png")}))
    # While the file is received and judged (the first observation), the database stays writable by others; it is
    # locked only by the transaction that records the file, afterwards. Before the fix, every probe found it locked.
    assert sondes[:1] == [True], sondes
    assert "SUPPRIMER PHOTO.PNG" in client.get(etape3).get_data(as_text=True)
    assert list((Path(app.config["DOCUMENTS_DIR"]) / "reception").iterdir()) == []


def test_la_reponse_a_un_complement_juge_ses_fichiers_sans_bloquer_les_autres(app, client, demo):
    url, _ = deposit(client, demo["CAS_3"], "CAS_3")
    ident = int(re.search(r"/demandes/(\d+)", url).group(1))
    examiner(app, ident, {"identite": "Illisible."})
    notification = derniere(app, ident, "demande_complement")
    client.get(f"/notifications/{notification.id}")  # opened: the answer is awaited
    image = png_uni(PHOTO_DE_TELEPHONE, "RGBA")
    sondes = verrou_libre_pendant_la_reception(
        app, lambda: joindre(client, f"/notifications/{notification.id}", {"fichier_identite": (image, "acte.png")}))
    assert sondes[:1] == [True], sondes
    assert [(d.piece, d.tour, d.nom_original) for d in documents_en_base(app) if d.tour == 1] == [
        ("identite", 1, "acte.png")]
    assert list((Path(app.config["DOCUMENTS_DIR"]) / "reception").iterdir()) == []


@pytest.mark.feature("F-10")
def test_quatre_fichiers_d_un_coup_le_quatrieme_est_refuse(app, client, etape3):
    """The limit counts the files of the same request too (they are inserted together, at the end)."""
    page = client.get(etape3).get_data(as_text=True)
    fichiers = [(io.BytesIO(png_uni((10 + i, 10))), f"page-{i}.png") for i in range(4)]
    reponse = client.post(etape3, data={"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "joindre",
                                        "fichier_identite": fichiers},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "Vous avez déjà joint 3 fichiers pour « Justificatif d'identité » : c'est le maximum." in text(reponse)
    assert sorted(d.nom_original for d in documents_en_base(app) if d.piece == "identite") == [
        "page-0.png", "page-1.png", "page-2.png"]


def test_un_fichier_juge_puis_refuse_par_la_limite_n_est_garde_nulle_part(app, client, etape3):
    for i in range(3):
        joindre(client, etape3, {"fichier_identite": (png_uni((10 + i, 10)), f"page-{i}.png")})
    page = text(joindre(client, etape3, {"fichier_identite": (png_uni((20, 20)), "page-4.png")}))
    assert "Vous avez déjà joint 3 fichiers pour « Justificatif d'identité » : c'est le maximum." in page
    stockes = sorted(p.name for p in Path(app.config["DOCUMENTS_DIR"]).rglob("*") if p.is_file())
    assert stockes == sorted(d.sha256 for d in documents_en_base(app))  # the 4th was judged, then deleted


def test_une_image_trop_grande_est_refusee_en_francais_et_rien_n_est_garde(app, client, etape3):
    bombe = png_uni((7745, 7745), "RGBA")  # 250 KB on the wire, 240 MB once decoded: the image of the report
    page = text(joindre(client, etape3, {"fichier_identite": (bombe, "photo.png")}))
    assert "« photo.png » est une image trop grande : 30 millions de pixels au plus" in page
    assert documents_en_base(app) == []
    assert [p for p in Path(app.config["DOCUMENTS_DIR"]).rglob("*") if p.is_file()] == []


@cache
def decodee_en_entier(format_: str) -> bytes:
    """24 Mpx in a format Pillow decodes in full (TIFF) or whose decoder holds every coefficient (progressive
    JPEG): 73 to 147 MB to judge."""
    out = io.BytesIO()
    image = Image.new("RGB", PHOTO_DE_TELEPHONE, (30, 120, 30))
    if format_ == "TIFF":
        image.save(out, format="TIFF", compression="tiff_deflate")
    else:
        image.save(out, format="JPEG", progressive=True, subsampling=0)
    return out.getvalue()


@pytest.mark.parametrize("format_,nom", [("TIFF", "scan.tif"), ("JPEG", "export-progressif.jpg")])
def test_une_image_decodee_en_entier_a_une_limite_plus_basse(app, client, etape3, format_, nom):
    page = text(joindre(client, etape3, {"fichier_identite": (decodee_en_entier(format_), nom)}))
    assert (f"« {nom} » est une image trop grande pour son format : 12 millions de pixels au plus en TIFF, BMP ou "
            "JPEG progressif. Enregistrez-la en JPEG ou en PNG") in page
    assert documents_en_base(app) == []


def test_la_photo_d_un_telephone_recent_est_acceptee(app, client, etape3):
    page = text(joindre(client, etape3, {"fichier_identite": (jpeg_uni(PHOTO_DE_TELEPHONE), "IMG_0001.JPG")}))
    assert "SUPPRIMER IMG_0001.JPG" in page
    assert [d.type_mime for d in documents_en_base(app)] == ["image/jpeg"]


MESURE = """
import re, sys
from pathlib import Path
from app import create_app, documents

def kio(champ):
    return int(re.search(champ + r":\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))

# The database is never opened (documents.recevoir judges a file): an in-memory SQLite URL in both runs.
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "DOCUMENTS_DIR": Path(sys.argv[2])})
with app.app_context(), open(sys.argv[1], "rb") as flux:
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    avant = kio("VmRSS")
    documents.recevoir(flux, "photo")
    print(kio("VmHWM") - avant)
"""


@pytest.mark.parametrize("format_", ["JPEG", "PNG"])
def test_juger_une_photo_maximale_ne_demande_pas_son_image_entiere_en_memoire(tmp_path, format_):
    contenu = jpeg_uni(PHOTO_DE_TELEPHONE) if format_ == "JPEG" else png_uni(PHOTO_DE_TELEPHONE, "RGBA")
    fichier = tmp_path / "photo"
    fichier.write_bytes(contenu)
    mesure = subprocess.run([sys.executable, "-c", MESURE, str(fichier), str(tmp_path / "documents")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert mesure.returncode == 0, mesure.stderr
    pic_mo = int(mesure.stdout.split()[-1]) / 1024
    # Decoded in full, this 24 Mpx image is 73 MB (RGB) or 98 MB (RGBA): the judgement must stay far below.
    assert pic_mo < 30, f"{format_}: +{pic_mo:.0f} MB"


# --- Defect 8 (file names) ----------------------------------------------------------------------------------------


NOM_HOSTILE = "a\r\nb\x00\u202egnp.exe\x1b[31m.png"


def test_un_nom_de_fichier_avec_caracteres_de_controle_est_nettoye_et_le_document_reste_visible(
        app, client, demo):
    url = to_step3(client, demo["CAS_3"], "CAS_3")
    page = joindre_brut(client, url, "fichier_identite", NOM_HOSTILE, PNG_1PX)
    assert page.status_code == 200
    [document] = documents_en_base(app)
    assert document.nom_original == "a bgnp.exe[31m.png"
    assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", document.nom_original)
    vu = client.get(f"/documents/{document.id}")
    assert vu.status_code == 200 and vu.data == PNG_1PX
    assert not re.search(r"[\x00-\x1f]", vu.headers["Content-Disposition"])
    # Deposited, the agent of the prefecture sees it too.
    page = client.get(url).get_data(as_text=True)
    post_step(client, url, **step3_fields(page))
    post_step(client, url, observations="")
    agent = app.test_client()
    login_agent(agent)
    vu = agent.get(f"/agent/documents/{document.id}")
    assert vu.status_code == 200 and vu.data == PNG_1PX


def test_un_document_enregistre_avant_avec_un_nom_hostile_reste_consultable(app, client, demo):
    url, _ = deposit(client, demo["CAS_3"], "CAS_3")
    [document] = [d for d in documents_en_base(app) if d.piece == "identite"]
    with app.app_context():  # as rows stored before names were cleaned
        # PostgreSQL's text never holds NUL (such a row cannot exist there): the other characters stay.
        hostile = NOM_HOSTILE if db.engine.dialect.name == "sqlite" else NOM_HOSTILE.replace("\x00", "")
        db.session.get(Document, document.id).nom_original = hostile
        db.session.commit()
    agent = app.test_client()
    login_agent(agent)
    for navigateur, lien in ((client, f"/documents/{document.id}"), (agent, f"/agent/documents/{document.id}")):
        vu = navigateur.get(lien)
        assert vu.status_code == 200 and vu.data == PNG_1PX
        disposition = vu.headers["Content-Disposition"]
        assert disposition.startswith("inline;") and not re.search(r"[\x00-\x1f\u202e]", disposition)
        assert "gnp.exe" in disposition
    page = agent.get(f"/agent/demandes/{document.demande_id}")
    assert page.status_code == 200


# --- Defect 12 (PDF with active content) -------------------------------------------------------------------------


def pdf_actif() -> bytes:
    """A one-page PDF that runs JavaScript when opened (/OpenAction), by its name tree, on a page event (/AA),
    on a link, and carries an embedded file."""
    ecrivain = PdfWriter()
    ecrivain.add_blank_page(width=595, height=842)

    def javascript(code: str) -> DictionaryObject:
        return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                 NameObject("/JS"): TextStringObject(code)})

    ecrivain.root_object[NameObject("/OpenAction")] = javascript("app.alert('ouverture');")
    ecrivain.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("n"), javascript("app.alert('arbre-des-noms');")])})})
    page = ecrivain.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): javascript("app.alert('page');")})
    page[NameObject("/Annots")] = ArrayObject([DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([]), NameObject("/A"): DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})})])
    ecrivain.add_attachment("charge.exe", b"MZ-charge-utile")
    out = io.BytesIO()
    ecrivain.write(out)
    return out.getvalue()


ACTIF = (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFiles", b"alert",
         b"calc", b"MZ-charge-utile")


def test_un_pdf_avec_javascript_est_depouille_de_son_contenu_actif(app, client, etape3):
    original = pdf_actif()
    assert all(motif in original for motif in ACTIF)  # the test's PDF does carry all of it
    page = joindre(client, etape3, {"fichier_identite": (original, "passeport.pdf")}).get_data(as_text=True)
    assert "SUPPRIMER PASSEPORT.PDF" in page
    [document] = documents_en_base(app)
    servi = client.get(f"/documents/{document.id}")
    assert servi.status_code == 200 and servi.mimetype == "application/pdf"
    assert [motif for motif in ACTIF if motif in servi.data] == []
    assert len(PdfReader(io.BytesIO(servi.data)).pages) == 1  # still the document the applicant gave
    # The cleaned bytes are what is stored, under their own SHA-256.
    assert document.sha256 == hashlib.sha256(servi.data).hexdigest() != hashlib.sha256(original).hexdigest()
    assert document.taille == len(servi.data)


def test_un_pdf_sans_contenu_actif_est_garde_tel_quel(app, client, etape3):
    ecrivain = PdfWriter()
    ecrivain.add_blank_page(width=595, height=842)
    ecrivain.add_metadata({"/Title": "Acte de naissance"})
    out = io.BytesIO()
    ecrivain.write(out)
    joindre(client, etape3, {"fichier_identite": (out.getvalue(), "acte.pdf")})
    [document] = documents_en_base(app)
    assert client.get(f"/documents/{document.id}").data == out.getvalue()
