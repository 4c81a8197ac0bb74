"""Étape 3 — Justificatifs (F-10, F-22): one upload block per document the DMN requires for the case.

Besides the navigation buttons, the page has its own actions: « Joindre un document » (any file
chosen on the page is received, whatever button was pressed: nothing chosen is lost),
« SUPPRIMER <FICHIER> », « Confirmer le numéro ephoto », « Supprimer le numéro ephoto ».
Refusals are shown next to their block. The files were received and judged before the transaction
(`documents.Reception`, built by the task-page loop): `app/televersements.py` checks the limits and inserts the
rows, as for the answer to a complement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import flash, get_flashed_messages, redirect, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from .. import documents, televersements
from ..entiers import entier
from ..extensions import db
from ..i18n import N_, du_diagramme
from ..models import Document
from ..workflow.store import Instance
from .fields import Saisie

RUBRIQUES = ("INFORMATIONS PERSONNELLES", "DOMICILE", "MOTIF DE SÉJOUR")
# The page as the seed draws it: the decision table's rubriques under the seed's headings and sub-headings (shown in
# the page's language: N_ marks the headings the DMN does not state itself).
SECTIONS = (("INFORMATIONS PERSONNELLES", ((N_("ÉTAT CIVIL"), "INFORMATIONS PERSONNELLES"),
                                           (N_("DOMICILIATION"), "DOMICILE"))),
            ("MOTIF DE SÉJOUR", ((None, "MOTIF DE SÉJOUR"),)))
AUTRES = N_("AUTRES")
# The ephoto code: 22 letters or digits as printed on the photographer's sheet, which groups them with spaces or
# dashes; typed in any case. ASCII only: \w or \d would accept « ２ ».
EPHOTO = re.compile(r"^[0-9A-Z]{22}$")
EPHOTO_SEPARATEURS = re.compile(r"[\s\-‐‑–—.]")
EPHOTO_INVALIDE = N_("Le « Numéro ephoto » doit comporter 22 caractères (chiffres ou lettres), tels qu'ils sont "
                   "imprimés sur votre planche de photos d'identité ; les espaces et les tirets sont acceptés.")
# Flash category of the summary of step 3 (missing documents on « Enregistrer et poursuivre »); « piece:<code> »
# are each document's own messages.
RESUME = "piece:"


class Form(Saisie):
    pass


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    return Form(formdata=formdata)


def values(form: Form) -> dict[str, Any]:
    return {}


def by_rubrique(pieces: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups = [(r, [p for p in pieces if p.get("rubrique") == r]) for r in RUBRIQUES]
    others = [p for p in pieces if p.get("rubrique") not in RUBRIQUES]
    return [(r, ps) for r, ps in groups if ps] + ([(AUTRES, others)] if others else [])


def sections(pieces: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str | None, list[dict[str, Any]]]]]]:
    """[(heading, [(sub-heading or None, documents)])], empty groups left out; rubriques the page does not know
    come last under « AUTRES »."""
    connues = {r for _, groupes in SECTIONS for _, r in groupes}
    resultat = []
    for titre, groupes in SECTIONS:
        avec = [(sous_titre, [p for p in pieces if p.get("rubrique") == r]) for sous_titre, r in groupes]
        avec = [(sous_titre, ps) for sous_titre, ps in avec if ps]
        if avec:
            resultat.append((titre, avec))
    autres = [p for p in pieces if p.get("rubrique") not in connues]
    return resultat + ([(AUTRES, [(None, autres)])] if autres else [])


def normaliser_ephoto(saisie: str) -> str:
    """The ephoto code as typed or copied from the sheet → its 22 characters, upper case, without separators."""
    return EPHOTO_SEPARATEURS.sub("", saisie or "").upper()


def _cible(piece: dict[str, Any], documents_joints: dict[str, Any], ephoto: str | None) -> str:
    """Where the summary's link for a document leads: its input, else its block."""
    if piece.get("nature") == "ephoto":
        return "ephoto" if not ephoto else f"piece-{piece['code']}"
    return f"fichier_{piece['code']}" if len(documents_joints.get(piece["code"], [])) < 3 else f"piece-{piece['code']}"


def contexte(demande: Any, data: dict[str, Any]) -> dict[str, Any]:
    joints = documents.par_piece(db.session, demande.id)
    ephoto = data.get("ephoto")
    erreurs: dict[str, list[str]] = {}
    resume = False
    for categorie, message in get_flashed_messages(with_categories=True):
        if categorie == RESUME:
            resume = True
        elif categorie.startswith(RESUME):
            erreurs.setdefault(categorie[len(RESUME):], []).append(message)
    pieces = data.get("pieces", [])
    # After « Enregistrer et poursuivre », a summary links each missing document; after an upload or a number, the
    # message stays with its document, where the focus returns (js/formulaires.js).
    liste = [(_cible(p, joints, ephoto), m) for p in pieces for m in erreurs.get(p["code"], [])] if resume else []
    return {"documents": joints, "ephoto": ephoto, "sections": sections(pieces), "erreurs_pieces": erreurs,
            "erreurs_pieces_resume": liste, "page_en_erreur": bool(erreurs)}


@dataclass
class Page:
    """What the step's own actions need: the loaded instance (its methods change the workflow), the task, the
    request, and the request's files already received and judged."""

    instance: Instance
    task: Any
    demande: Any
    compte_id: int
    request: Any
    reception: documents.Reception


def _erreur(piece: str, message: str) -> None:
    flash(message, f"piece:{piece}")


def _recevoir_les_fichiers(page: Page, pieces: dict[str, dict[str, Any]]) -> None:
    instance = page.instance
    for code, refus in televersements.recevoir(instance.session, page.demande.id, page.compte_id, pieces,
                                               page.reception, instance.apres_commit):
        _erreur(code, refus)


def _confirmer_ephoto(page: Page) -> None:
    numero = normaliser_ephoto(page.request.form.get("ephoto", ""))
    if not EPHOTO.match(numero):
        _erreur("ephoto", gettext(EPHOTO_INVALIDE))
        return
    page.instance.update_ready(page.task.id, {"ephoto": numero})


def _manquants(page: Page, pieces: list[dict[str, Any]]) -> list[str]:
    presents = documents.par_piece(page.instance.session, page.demande.id)
    tache = page.instance.tache(page.task.id)
    ephoto = (tache or page.task).data.get("ephoto")
    manquants = []
    for piece in pieces:
        if not piece.get("obligatoire"):
            continue
        if piece.get("nature") == "ephoto" and not ephoto:
            _erreur(piece["code"], gettext("Le « Numéro ephoto » est obligatoire : saisissez-le puis cliquez "
                                           "sur « Confirmer le numéro ephoto »."))
            manquants.append(piece["code"])
        elif piece.get("nature") != "ephoto" and not presents.get(piece["code"]):
            _erreur(piece["code"], gettext("Joignez au moins un fichier pour « %(titre)s ».",
                                           titre=du_diagramme(piece["titre"])))
            manquants.append(piece["code"])
    return manquants


def _document_concerne(page: Page, pieces: dict[str, dict[str, Any]], action: str) -> str | None:
    """The document the action was about: the page comes back to it (anchor), not to its top."""
    if action.startswith("ephoto_"):
        return next((c for c, p in pieces.items() if p.get("nature") == "ephoto"), None)
    if action.startswith("supprimer:"):
        row = page.instance.session.get(Document, entier(action.partition(":")[2]) or 0)
        return row.piece if row is not None and row.demande_id == page.demande.id else None
    envoyes = [c for c in pieces if getattr(page.request.files.get(f"fichier_{c}"), "filename", "")]
    return envoyes[0] if envoyes else None


def traiter(page: Page, action: str) -> Response | None:
    """The step's own actions; None lets the view carry on with the navigation button."""
    pieces = {p["code"]: p for p in page.task.data.get("pieces", [])}
    concerne = _document_concerne(page, pieces, action)
    _recevoir_les_fichiers(page, pieces)
    etape = redirect(url_for("demarche.etape", demande_id=page.demande.id,
                             _anchor=f"piece-{concerne}" if concerne and action != "poursuivre" else None))
    if action.startswith("supprimer:"):
        televersements.retirer(page.instance.session, page.demande.id, action.partition(":")[2],
                               page.instance.apres_commit)
        return etape
    if action == "ephoto_confirmer":
        _confirmer_ephoto(page)
        return etape
    if action == "ephoto_supprimer":
        page.instance.update_ready(page.task.id, {"ephoto": None})
        return etape
    if action == "joindre":
        return etape
    if action == "poursuivre":
        if page.request.form.get("ephoto", "").strip():
            _confirmer_ephoto(page)
        if _manquants(page, list(pieces.values())):
            flash("", RESUME)  # the page shows the summary of what is missing
            # Its own anchor: a redirect without one would keep the page's (#piece-… after an upload).
            return redirect(url_for("demarche.etape", demande_id=page.demande.id, _anchor="erreurs"))
        # The files given, per document, go into the process data with the step.
        presents = documents.par_piece(page.instance.session, page.demande.id)
        page.instance.update_ready(page.task.id, {
            "documents": {code: [d.id for d in docs] for code, docs in presents.items()}})
    return None
