"""Operator `notifier` (F-14): a notification in « Mes Notifications » and the e-mail that announces it.

Parameter `nature` (declared with its subject and mail template in app/workflow/contrat.py, NATURES):
- « demande_complement » (F-15): the documents the agent found not valid, with the observations;
- « decision » (F-16): favourable (with the attestation) or unfavourable (with the reason);
- « cloture »: no answer within the deadline, the application is closed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..courriels import courriel_a_envoyer, ligne_de_mise_en_file
from ..models import Compte, Document, Notification
from ..workflow import contrat
from ..workflow.store import journaliser_ensemble, ligne_de_journal


def _documents_non_valides(ctx: Any) -> list[dict[str, Any]]:
    data = ctx.data
    titres = {p["code"]: p["titre"] for p in data.get("pieces", [])}
    avis = data.get("avis_documents", {})
    derniers: dict[str, list[Document]] = {}
    for document in ctx.session.scalars(select(Document).where(Document.demande_id == ctx.demande.id)
                                         .order_by(Document.tour, Document.id)):
        derniers.setdefault(document.piece, [])
        if derniers[document.piece] and derniers[document.piece][0].tour != document.tour:
            derniers[document.piece] = []  # only the latest round's files of a document
        derniers[document.piece].append(document)
    return [
        {"code": code, "titre": titres.get(code, code), "observation": a.get("observation", ""),
         "fichiers": [{"id": d.id, "nom": d.nom_original} for d in derniers.get(code, [])]}
        for code, a in avis.items() if not a.get("valide")
    ]


def _contenu(ctx: Any, nature: str) -> dict[str, Any]:
    data, demande = ctx.data, ctx.demande
    if nature == contrat.NATURE_COMPLEMENT:
        tour = 1 + ctx.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.demande_id == demande.id, Notification.nature == contrat.NATURE_COMPLEMENT))
        return {"numero": demande.numero, "tour": tour, "documents": _documents_non_valides(ctx),
                "message_agent": data.get("message_agent", "")}
    if nature == contrat.NATURE_DECISION:
        return {"numero": demande.numero, "decision": data.get("decision"), "motif": data.get("motif_refus", ""),
                "debut": data.get("titre_debut"), "fin": data.get("titre_fin")}
    return {"numero": demande.numero}


def handle(ctx: Any, nature: str) -> dict[str, Any]:
    demande, session = ctx.demande, ctx.session
    # The recipient and the language of the mail, read before anything is pending (the query would otherwise flush
    # the notification on its own): two columns, not the account (a lazy load, and `mettre_en_file` reading it again).
    email, langue = session.execute(select(Compte.email, Compte.langue).where(Compte.id == demande.compte_id)).one()
    contenu = _contenu(ctx, nature)
    declaree = contrat.NATURES[nature]  # the contract check refuses at start a nature it does not declare
    attestation = (ctx.data.get("attestation") or {}).get("sha256") if nature == contrat.NATURE_DECISION else None
    notification = Notification(demande_id=demande.id, compte_id=demande.compte_id, nature=nature,
                                objet=declaree.objet, contenu=_serialisable(contenu), document_sha256=attestation)
    courriel = courriel_a_envoyer(declaree.courriel, email, {"lien": current_app.config["URL_BASE"] + "/connexion"},
                                  langue, demande_id=demande.id, compte_id=demande.compte_id, memoriser=True)
    # One flush gives both their ids (the audit rows and the result name them); the audit rows go with the save's.
    session.add_all([notification, courriel])
    session.flush()
    journaliser_ensemble(session, demande.id, [  # one INSERT for both audit rows
        ligne_de_journal("systeme", "notification_envoyee", {"notification": notification.id, "nature": nature,
                                                             "objet": notification.objet}),
        ligne_de_mise_en_file(courriel)])
    return {"notification": notification.id, "tour": contenu.get("tour")}


def _serialisable(valeur: Any) -> Any:
    if isinstance(valeur, dict):
        return {k: _serialisable(v) for k, v in valeur.items()}
    if isinstance(valeur, list):
        return [_serialisable(v) for v in valeur]
    return valeur.isoformat() if hasattr(valeur, "isoformat") else valeur
