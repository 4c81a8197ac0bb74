"""Supporting documents (F-10): judged by their content, stored outside the web root under their SHA-256.

A file is accepted when its first bytes are those of a JPEG, PNG, PDF, TIFF or BMP *and* it
actually opens (Pillow decodes the image, pypdf reads the PDF's pages): its name and the
browser's content type are never trusted. It is streamed to disk while hashed and measured, so a
10 MB file does not sit in memory several times.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import abort, current_app, send_file
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from .models import Document

TAILLE_MAX = 10 * 1024 * 1024
FICHIERS_MAX = 3
FORMATS = "JPG, PNG, PDF, TIFF et BMP"
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)
Image.MAX_IMAGE_PIXELS = 60_000_000  # a phone photo is ~12 Mpx; more is a decompression bomb


class DocumentRefuse(ValueError):
    """A file refused, with the French message that names the rule it broke."""


@dataclass(frozen=True)
class FichierRecu:
    chemin: Path
    sha256: str
    taille: int
    type_mime: str


def dossier() -> Path:
    path = Path(current_app.config["DOCUMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def chemin(sha256: str) -> Path:
    return dossier() / sha256[:2] / sha256


def nom_affiche(nom: str) -> str:
    """The name as the applicant gave it, without any folder part; only ever shown, escaped."""
    nom = (nom or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (nom or "document")[:200]


def _type_par_contenu(debut: bytes) -> str | None:
    return next((mime for signature, mime in SIGNATURES if debut.startswith(signature)), None)


def _s_ouvre(path: Path, mime: str) -> bool:
    try:
        if mime == "application/pdf":
            reader = PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                return False
            return len(reader.pages) > 0
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                image.load()
        return True
    except (OSError, ValueError, SyntaxError, PdfReadError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, KeyError, IndexError, TypeError, RecursionError):
        return False


def recevoir(flux: IO[bytes], nom: str) -> FichierRecu:
    """Stream an upload to disk, then judge it; raises DocumentRefuse with the rule broken."""
    nom = nom_affiche(nom)
    temporaires = dossier() / "reception"
    temporaires.mkdir(exist_ok=True)
    digest, taille = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=temporaires)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            while bloc := flux.read(1024 * 1024):
                taille += len(bloc)
                if taille > TAILLE_MAX:
                    raise DocumentRefuse(f"« {nom} » dépasse la taille maximale de 10 Mo par fichier.")
                digest.update(bloc)
                out.write(bloc)
        if taille == 0:
            raise DocumentRefuse(f"« {nom} » est vide.")
        with open(tmp_path, "rb") as fh:
            mime = _type_par_contenu(fh.read(16))
        if mime is None:
            raise DocumentRefuse(
                f"« {nom} » n'est pas accepté : seuls les formats {FORMATS} sont acceptés "
                "(le contenu du fichier ne correspond à aucun de ces formats)."
            )
        if not _s_ouvre(tmp_path, mime):
            raise DocumentRefuse(
                f"« {nom} » ne peut pas être ouvert : le fichier semble endommagé, incomplet ou protégé par un mot "
                "de passe."
            )
        sha = digest.hexdigest()
        final = chemin(sha)
        final.parent.mkdir(exist_ok=True)
        if final.exists():
            tmp_path.unlink()
        else:
            os.replace(tmp_path, final)
        return FichierRecu(final, sha, taille, mime)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def stocker(contenu: bytes) -> str:
    """Store bytes made by the app (a PDF) under their SHA-256; the same bytes are stored once."""
    sha = hashlib.sha256(contenu).hexdigest()
    final = chemin(sha)
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(contenu)
        os.replace(tmp, final)
    return sha


def joindre(session: Session, demande_id: int, compte_id: int, piece: dict[str, Any], flux: IO[bytes],
            nom: str, tour: int = 0) -> Document:
    """Attach one file to one required document, within the limits of F-10.

    `tour` 0 is the draft; n is the answer to the n-th « Demande de complément » (3 new files at most).
    """
    deja = session.scalar(
        select(func.count()).select_from(Document).where(Document.demande_id == demande_id,
                                                          Document.piece == piece["code"], Document.tour == tour)
    )
    if deja >= FICHIERS_MAX:
        raise DocumentRefuse(
            f"Vous avez déjà joint {FICHIERS_MAX} fichiers pour « {piece['titre']} » : c'est le maximum. "
            "Supprimez un fichier pour en joindre un autre."
        )
    recu = recevoir(flux, nom)
    document = Document(demande_id=demande_id, compte_id=compte_id, piece=piece["code"], nom_original=nom_affiche(nom),
                        type_mime=recu.type_mime, taille=recu.taille, sha256=recu.sha256, tour=tour)
    session.add(document)
    session.flush()
    return document


def servir(sha256: str | None, mimetype: str, nom: str, *, telechargement: bool = False) -> Response:
    """A stored file as a response, the caller having checked who may see it: 404 when absent; never
    sniffed nor scripted; framed only by our own pages (the agent's review); never kept in a shared cache."""
    path = chemin(sha256) if sha256 else None
    if path is None or not path.exists():
        abort(404)
    response = send_file(path, mimetype=mimetype, download_name=nom, as_attachment=telechargement, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def par_piece(session: Session, demande_id: int) -> dict[str, list[Document]]:
    rows = session.scalars(select(Document).where(Document.demande_id == demande_id).order_by(Document.id))
    groupes: dict[str, list[Document]] = {}
    for document in rows:
        groupes.setdefault(document.piece, []).append(document)
    return groupes


def supprimer(session: Session, documents: list[Document]) -> list[Path]:
    """Delete the rows; returns the files no other row uses, to unlink once the transaction commits."""
    shas = {d.sha256 for d in documents}
    for document in documents:
        session.delete(document)
    session.flush()
    encore = set(session.scalars(select(Document.sha256).where(Document.sha256.in_(shas))))
    return [chemin(sha) for sha in shas - encore]


def effacer_fichiers(chemins: list[Path]) -> None:
    for path in chemins:
        path.unlink(missing_ok=True)
