"""Judging an uploaded file's content, without any database lock and within bounds (F-10; issue 9, defects 4
and 12): does it open as the format its first bytes announce?

- Images: at most `PIXELS_MAX` pixels; a JPEG is decoded at 1/8 scale (every DCT block is read, the bitmap is
  64 times smaller), a PNG is checked as a stream (chunk CRCs, the inflated rows and their filters) without ever
  holding the bitmap; TIFF, BMP and progressive JPEG, which Pillow can only decode in full, have a lower limit.
- PDF: it opens, is not encrypted, has a page; its active content (JavaScript, actions that launch or submit,
  embedded files, rich media, XFA) is removed, because agents read it inside their review page.
- Judgements run in a small pool of low-priority threads: uploads cannot take every core from the other users'
  requests, and the memory of the judgements in flight is bounded.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .priorite import priorite_basse

# Sized for phone photos: the largest a current phone takes by default is 24 Mpx (iPhone 15 and later,
# 5712×4284 = 24.5 Mpx; most Android phones bin their 50 Mpx sensors to 12.5 Mpx), and an A4 page scanned at
# 500 dpi is 24.2 Mpx. 30 Mpx keeps a margin over both and refuses the 48–200 Mpx « full resolution » modes,
# which add nothing to a document. Pillow refuses the same (and stops at the header for twice as much).
PIXELS_MAX = 30_000_000
Image.MAX_IMAGE_PIXELS = PIXELS_MAX
# Formats Pillow can only decode in full (TIFF, BMP) or whose decoder holds every DCT coefficient (progressive
# JPEG: 2 bytes per sample, up to 6 per pixel): a 12 Mpx phone photo or an A4 page at 400 dpi (15.5 Mpx at most
# in grey), so that one judgement stays under ~80 MB (measured: 70 MB for 4:4:4 progressive, 76 MB for RGB TIFF).
PIXELS_MAX_DECODAGE_COMPLET = 12_000_000
BLOC = 1024 * 1024  # PNG data inflated by blocks of 1 MB


class DocumentRefuse(ValueError):
    # Its message is lazy (F-18): judged in a worker thread, it is put into words (str) in the request's language.
    """A file refused, with the French message that names the rule it broke."""


class _Illisible(Exception):
    """The file does not open as the format its first bytes announce."""


class _TropGrande(Exception):
    """An image over PIXELS_MAX, or over PIXELS_MAX_DECODAGE_COMPLET for a format decoded in full."""

    def __init__(self, decodage_complet: bool = False) -> None:
        super().__init__()
        self.decodage_complet = decodage_complet


_PNG_CANAUX = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type → samples per pixel
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_passes(entete: bytes) -> list[tuple[int, int]]:
    """(rows, bytes per row with its filter byte) of each pass of the image IHDR describes."""
    largeur, hauteur, bits, couleur, _, _, entrelace = struct.unpack(">IIBBBBB", entete)
    if couleur not in _PNG_CANAUX or bits not in (1, 2, 4, 8, 16) or entrelace not in (0, 1):
        raise _Illisible
    passes = []
    for x0, y0, dx, dy in (_ADAM7 if entrelace else ((0, 0, 1, 1),)):
        colonnes, lignes = max(0, (largeur - x0 + dx - 1) // dx), max(0, (hauteur - y0 + dy - 1) // dy)
        if colonnes and lignes:
            passes.append((lignes, 1 + (colonnes * bits * _PNG_CANAUX[couleur] + 7) // 8))
    return passes


def _png_complet(path: Path) -> None:
    """The whole PNG checked as a stream, in memory that does not grow with the image: every chunk's CRC, then
    the image data inflated block by block, which must give exactly the rows IHDR announces, each starting with a
    known filter (0–4) — all that decoding could find wrong, without ever holding the bitmap."""
    inflation, passes, attendus, recus, decalage = zlib.decompressobj(), None, 0, 0, 0
    with open(path, "rb") as fh:
        taille = os.fstat(fh.fileno()).st_size
        fh.read(8)  # the signature, already checked
        while True:
            tete = fh.read(8)
            if len(tete) < 8:
                raise _Illisible  # truncated before IEND
            longueur, genre = struct.unpack(">I4s", tete)
            if longueur > taille:
                raise _Illisible  # a length no file of this size holds: never allocated
            donnees = fh.read(longueur)
            crc = fh.read(4)
            if len(donnees) < longueur or len(crc) < 4 or zlib.crc32(genre + donnees) != struct.unpack(">I", crc)[0]:
                raise _Illisible
            if passes is None:
                if genre != b"IHDR" or longueur != 13:
                    raise _Illisible
                passes = _png_passes(donnees)
                attendus = sum(lignes * pas for lignes, pas in passes)
            elif genre == b"IDAT" and recus < attendus:
                while donnees and recus < attendus:
                    bloc = inflation.decompress(donnees, min(BLOC, attendus - recus))
                    donnees = inflation.unconsumed_tail
                    decalage = _png_filtres(bloc, passes, decalage)
                    recus += len(bloc)
                    if not bloc and not donnees:
                        break
            elif genre == b"IEND":
                break
    if passes is None or recus != attendus:
        raise _Illisible  # the image data stops short


def _png_filtres(bloc: bytes, passes: list[tuple[int, int]], decalage: int) -> int:
    """Checks the filter byte of every row starting in `bloc`; `decalage` is the offset in the image data."""
    position = 0
    while position < len(bloc):
        debut = 0
        for lignes, pas in passes:  # find the pass the offset falls in
            if decalage < debut + lignes * pas:
                break
            debut += lignes * pas
        n = min(len(bloc) - position, debut + lignes * pas - decalage)
        if n <= 0:
            raise _Illisible  # more data than the passes hold (never reached: inflation stops at their size)
        dans_la_passe = decalage - debut
        premier = (-dans_la_passe) % pas  # the next row start, relative to `position`
        if max(bloc[position + premier:position + n:pas], default=0) > 4:
            raise _Illisible
        position += n
        decalage += n
    return decalage


def _juger_image(path: Path, mime: str) -> None:
    # The size is checked here, not through Pillow's warning: warnings.catch_warnings() is not thread-safe.
    with Image.open(path) as image:
        largeur, hauteur = image.size
        complet = mime in ("image/tiff", "image/bmp") or bool(image.info.get("progressive"))
        if largeur * hauteur > (PIXELS_MAX_DECODAGE_COMPLET if complet else PIXELS_MAX):
            raise _TropGrande(complet)
        if mime == "image/png":
            _png_complet(path)
            return
        if mime == "image/jpeg":  # DCT scaling: every block is decoded, the bitmap is 64 times smaller
            image.draft(None, (max(1, largeur // 8), max(1, hauteur // 8)))
        image.load()


# PDF: what runs, launches or carries something when the file is opened (keys, and action types /S).
_CLES_ACTIVES = frozenset({"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RichMedia",
                           "/RichMediaContent", "/XFA"})
_ACTIONS_ACTIVES = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute",
                              "/GoToE", "/Rendition", "/Movie", "/Sound"})


def _action_active(valeur: Any) -> bool:
    objet = valeur.get_object() if valeur is not None else None
    return isinstance(objet, DictionaryObject) and objet.get("/S") in _ACTIONS_ACTIVES


def _contenu_actif(racine: Any, retirer: bool) -> bool:
    """Walks every object reachable from `racine`; whether active content was found (removed if `retirer`)."""
    trouve, vus, pile = False, set(), [racine]
    while pile:
        objet = pile.pop()
        if isinstance(objet, IndirectObject):
            if (objet.idnum, objet.generation) in vus:
                continue
            vus.add((objet.idnum, objet.generation))
            objet = objet.get_object()
        if isinstance(objet, DictionaryObject):
            for cle in list(objet.keys()):
                valeur = objet.raw_get(cle)
                if cle in _CLES_ACTIVES or _action_active(valeur):
                    trouve = True
                    if retirer:
                        del objet[cle]
                else:
                    pile.append(valeur)
        elif isinstance(objet, ArrayObject):
            gardes = [valeur for valeur in objet if not _action_active(valeur)]
            if len(gardes) != len(objet):
                trouve = True
                if retirer:
                    objet[:] = gardes
            pile.extend(gardes)
    return trouve


def _juger_pdf(path: Path) -> bytes | None:
    """Opens the PDF (not encrypted, at least one page); the same document without its active content when it
    has some (shown inside the agent's review page, it must not run anything), None when it has none."""
    lecteur = PdfReader(str(path), strict=False)
    if lecteur.is_encrypted or len(lecteur.pages) == 0:
        raise _Illisible
    if not _contenu_actif(lecteur.trailer, retirer=True):  # removed from the objects the reader holds
        return None
    ecrivain = PdfWriter(clone_from=lecteur)  # copies only what is still reachable: no orphan script or file
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()


def _trop_grande(nom: str) -> DocumentRefuse:
    return DocumentRefuse(lazy_gettext(
        "« %(nom)s » est une image trop grande : %(millions)s millions de pixels au plus (une photo de "
        "téléphone en compte de 12 à 24 millions). Reprenez la photo en qualité normale, ou numérisez le document à "
        "300 ppp, puis joignez-la de nouveau.", nom=nom, millions=PIXELS_MAX // 1_000_000
    ))


# Judgements run here, one per core at most and at low priority: uploads cannot take every core from the other
# users' requests, and the memory of judgements in flight is bounded too (at most this many at once).
_JUGES = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="jugement",
                            initializer=priorite_basse)


def juger(path: Path, mime: str, nom: str) -> bytes | None:
    """Whether the file opens as `mime` (its first bytes' format), within bounds; raises DocumentRefuse with the
    rule broken. For a PDF with active content: the cleaned document's bytes (None otherwise).

    Runs in `_JUGES`, waiting for a free judge."""
    return _JUGES.submit(_juger, path, mime, nom).result()


def _juger(path: Path, mime: str, nom: str) -> bytes | None:
    try:
        if mime == "application/pdf":
            return _juger_pdf(path)
        _juger_image(path, mime)
        return None
    except _TropGrande as erreur:
        if erreur.decodage_complet:
            raise DocumentRefuse(lazy_gettext(
                "« %(nom)s » est une image trop grande pour son format : %(millions_complet)s "
                "millions de pixels au plus en TIFF, BMP ou JPEG progressif. Enregistrez-la en JPEG ou en PNG "
                "(%(millions)s millions de pixels au plus), ou numérisez le document à 300 ppp, puis "
                "joignez-la de nouveau.", nom=nom, millions_complet=PIXELS_MAX_DECODAGE_COMPLET // 1_000_000,
                millions=PIXELS_MAX // 1_000_000
            )) from None
        raise _trop_grande(nom) from None
    except Image.DecompressionBombError:  # over twice the limit: Pillow stops at the header
        raise _trop_grande(nom) from None
    except Exception:  # noqa: BLE001 - whatever an untrusted file makes a parser raise, it does not open
        raise DocumentRefuse(lazy_gettext(
            "« %(nom)s » ne peut pas être ouvert : le fichier semble endommagé, incomplet ou protégé par un mot "
            "de passe.", nom=nom
        )) from None
