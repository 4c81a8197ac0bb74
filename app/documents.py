"""Supporting documents (F-10): judged by their content, stored outside the web root under their SHA-256.

A file is accepted when its first bytes are those of a JPEG, PNG, PDF, TIFF or BMP *and* it
actually opens: its name and the browser's content type are never trusted. Every file of a request
is received and judged (`Reception`) BEFORE the application's transaction takes the database's
write lock: judging a large image takes a fraction of a second, and on SQLite the lock stops every
other user's save meanwhile (issue 9, defect 4). Inside the transaction only the limits are checked
and rows inserted (`joindre`); a judged file waits in `reception/` and is moved into the store once
the transaction has committed, so a rolled-back or refused file never lingers.

Judging the content (app/jugement.py) is bounded per file: 10 MB on the wire, a pixel limit, no full
bitmap where the format allows it; a PDF's active content is removed before anyone opens it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from .i18n import du_diagramme
from .jugement import DocumentRefuse, juger
from .models import Document

TAILLE_MAX = 10 * 1024 * 1024
FICHIERS_MAX = 3
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)
BLOC = 1024 * 1024  # read and written by blocks of 1 MB


@dataclass(frozen=True)
class FichierRecu:
    """A file received and judged, waiting in `reception/` until `placer` moves it into the store."""

    chemin: Path
    sha256: str
    taille: int
    type_mime: str
    nom: str


def dossier() -> Path:
    path = Path(current_app.config["DOCUMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def chemin(sha256: str) -> Path:
    return dossier() / sha256[:2] / sha256


# Invisible characters that reorder or hide the text around them (« facture\u202egnp.exe »).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _caractere_affichable(c: str) -> str:
    if c in _BIDI:
        return ""
    categorie = unicodedata.category(c)
    if categorie in ("Cc", "Zl", "Zp"):  # control characters (CR, LF, NUL, ESC…), line separators
        return " " if c.isspace() else ""
    return "" if categorie == "Cs" else c  # a lone surrogate cannot even be stored


def nom_affiche(nom: str) -> str:
    """The name as the applicant gave it, without any folder part, control or bidirectional character: one
    line of plain text, only ever shown escaped (or in a Content-Disposition header)."""
    nom = "".join(_caractere_affichable(c) for c in unicodedata.normalize("NFC", nom or ""))
    nom = " ".join(nom.replace("\\", "/").rsplit("/", 1)[-1].split())
    return (nom or "document")[:200]


def _type_par_contenu(debut: bytes) -> str | None:
    return next((mime for signature, mime in SIGNATURES if debut.startswith(signature)), None)


def _ecrire_temporaire(dossier_: Path, blocs: Iterator[bytes], nom: str) -> tuple[Path, str, int]:
    """Streams to a new file of `dossier_` while hashing and measuring; (path, sha256, size)."""
    digest, taille = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=dossier_)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            for bloc in blocs:
                taille += len(bloc)
                if taille > TAILLE_MAX:
                    raise DocumentRefuse(lazy_gettext("« %(nom)s » dépasse la taille maximale de 10 Mo par fichier.",
                                                      nom=nom))
                digest.update(bloc)
                out.write(bloc)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return tmp_path, digest.hexdigest(), taille


def recevoir(flux: IO[bytes], nom: str) -> FichierRecu:
    """Stream an upload to `reception/` and judge it (no database involved); raises DocumentRefuse with the
    rule broken. The file stays in `reception/` until `placer` (or the end of the `Reception`)."""
    nom = nom_affiche(nom)
    temporaires = dossier() / "reception"
    temporaires.mkdir(exist_ok=True)
    tmp_path, sha, taille = _ecrire_temporaire(temporaires, iter(lambda: flux.read(BLOC), b""), nom)
    try:
        if taille == 0:
            raise DocumentRefuse(lazy_gettext("« %(nom)s » est vide.", nom=nom))
        with open(tmp_path, "rb") as fh:
            mime = _type_par_contenu(fh.read(16))
        if mime is None:
            raise DocumentRefuse(lazy_gettext(
                "« %(nom)s » n'est pas accepté : seuls les formats JPG, PNG, PDF, TIFF et BMP sont acceptés "
                "(le contenu du fichier ne correspond à aucun de ces formats).", nom=nom
            ))
        nettoye = juger(tmp_path, mime, nom)
        if nettoye is not None:  # the cleaned PDF is the document: stored under its own hash
            tmp_path.unlink()
            tmp_path, sha, taille = _ecrire_temporaire(temporaires, iter((nettoye,)), nom)
        return FichierRecu(tmp_path, sha, taille, mime, nom)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def placer(recu: FichierRecu) -> None:
    """Move a received file into the store (once its row is committed); the same bytes are stored once."""
    final = chemin(recu.sha256)
    final.parent.mkdir(exist_ok=True)
    if final.exists():
        recu.chemin.unlink(missing_ok=True)
    else:
        os.replace(recu.chemin, final)


@dataclass
class Televersement:
    """One file chosen on the page (field `fichier_<code>`): received and judged, or refused with its message."""

    code: str
    nom: str
    recu: FichierRecu | None = None
    refus: str | None = None


class Reception:
    """Every file of one request, received and judged before the transaction (used as a context manager
    around it): on leaving, what no committed row took — refused by a limit, on an old page, rolled back —
    is deleted from `reception/`."""

    def __init__(self, fichiers: Any) -> None:
        self.televersements: list[Televersement] = []
        try:
            for champ, fichier in fichiers.items(multi=True):
                if not champ.startswith("fichier_") or not fichier or not fichier.filename:
                    continue
                televersement = Televersement(champ.removeprefix("fichier_"), nom_affiche(fichier.filename))
                self.televersements.append(televersement)
                try:
                    televersement.recu = recevoir(fichier.stream, fichier.filename)
                except DocumentRefuse as refus:
                    televersement.refus = str(refus)
        except BaseException:  # e.g. a full disk: the files already received do not stay behind
            self.__exit__()
            raise

    def pour(self, codes: Any) -> list[Televersement]:
        """The files of these documents, in the order the page sent them."""
        return [t for t in self.televersements if t.code in codes]

    def __enter__(self) -> Reception:
        return self

    def __exit__(self, *erreur: object) -> None:
        for televersement in self.televersements:
            if televersement.recu is not None:
                televersement.recu.chemin.unlink(missing_ok=True)


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


def compter_joints(session: Session, demande_id: int, tour: int, codes: Iterable[str]) -> dict[str, int]:
    """How many files each of these documents already has in round `tour`, in one query."""
    return dict(session.execute(
        select(Document.piece, func.count()).where(Document.demande_id == demande_id, Document.tour == tour,
                                                   Document.piece.in_(list(codes))).group_by(Document.piece)
    ).all())


def joindre(session: Session, demande_id: int, compte_id: int, piece: dict[str, Any], recu: FichierRecu,
            apres_commit: list[Callable[[], None]], tour: int, joints: dict[str, int]) -> Document:
    """Attach one judged file to one required document, within the limits of F-10 (inside the transaction: only
    the count is checked and the row added; the file joins the store once the transaction has committed).

    `tour` 0 is the draft; n is the answer to the n-th « Demande de complément » (3 new files at most). `joints`:
    the counts of `compter_joints`, kept up to date here, so that the files of one request count too; the rows are
    inserted at the caller's flush, together.
    """
    if joints.get(piece["code"], 0) >= FICHIERS_MAX:
        raise DocumentRefuse(lazy_gettext(
            "Vous avez déjà joint %(maximum)s fichiers pour « %(titre)s » : c'est le maximum. "
            "Supprimez un fichier pour en joindre un autre.", maximum=FICHIERS_MAX, titre=du_diagramme(piece["titre"])
        ))
    document = Document(demande_id=demande_id, compte_id=compte_id, piece=piece["code"], nom_original=recu.nom,
                        type_mime=recu.type_mime, taille=recu.taille, sha256=recu.sha256, tour=tour)
    session.add(document)
    joints[piece["code"]] = joints.get(piece["code"], 0) + 1
    apres_commit.append(lambda: placer(recu))
    return document


def servir(sha256: str | None, mimetype: str, nom: str, *, telechargement: bool = False) -> Response:
    """A stored file as a response, the caller having checked who may see it: 404 when absent; never
    sniffed nor scripted; framed only by our own pages (the agent's review); never kept in a shared cache."""
    path = chemin(sha256) if sha256 else None
    if path is None or not path.exists():
        abort(404)
    # Cleaned again: a row stored before names were cleaned must not break the header (a CR or LF is a 500).
    response = send_file(path, mimetype=mimetype, download_name=nom_affiche(nom), as_attachment=telechargement,
                         conditional=True)
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
