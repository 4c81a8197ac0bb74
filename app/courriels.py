"""E-mails (F-27): rendered from templates into the outbox, in the caller's transaction; sent by the worker.

Nothing is sent for an action that was rolled back, and nothing is lost for one that committed:
the database is the queue. Several workers share it by claiming rows (SKIP LOCKED on PostgreSQL,
an atomic conditional UPDATE on SQLite).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from . import clock
from .models import Courriel

A_ENVOYER, EN_COURS, ENVOYE, ECHEC = "a_envoyer", "en_cours", "envoye", "echec"
MAX_TENTATIVES = 8
RESERVATION = timedelta(minutes=5)


def delai_avant_nouvel_essai(tentatives: int) -> timedelta:
    """1 min, 2, 4, 8… capped at 2 h: a server down for a while is retried without flooding it."""
    return min(timedelta(minutes=2 ** max(tentatives - 1, 0)), timedelta(hours=2))


def mettre_en_file(
    session: Session,
    modele: str,
    destinataire: str,
    contexte: dict[str, Any],
    *,
    demande_id: int | None = None,
    compte_id: int | None = None,
    pieces_jointes: list[dict[str, Any]] | None = None,
) -> Courriel:
    """Render `mail/<modele>.txt` (first line « Objet : … ») and `.html`, and queue them."""
    texte = render_template(f"mail/{modele}.txt", **contexte)
    premiere, _, corps = texte.partition("\n")
    if not premiere.startswith("Objet : "):
        raise ValueError(f"mail/{modele}.txt doit commencer par « Objet : »")
    courriel = Courriel(
        modele=modele,
        destinataire=destinataire,
        sujet=premiere.removeprefix("Objet : ").strip(),
        texte=corps.lstrip("\n"),
        html=render_template(f"mail/{modele}.html", **contexte),
        pieces_jointes=pieces_jointes or [],
        demande_id=demande_id,
        compte_id=compte_id,
        etat=A_ENVOYER,
        prochain_essai=clock.now(),
    )
    session.add(courriel)
    session.flush()
    return courriel


def smtp_configure(app: Flask) -> bool:
    return bool(app.config.get("SMTP_HOST"))


def _message(app: Flask, courriel: Courriel) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = courriel.sujet
    message["From"] = formataddr((app.config["MAIL_EXPEDITEUR_NOM"], app.config["MAIL_EXPEDITEUR"]))
    message["To"] = courriel.destinataire
    message["Message-ID"] = make_msgid(domain=app.config["MAIL_EXPEDITEUR"].rpartition("@")[2] or None)
    message.set_content(courriel.texte)
    message.add_alternative(courriel.html, subtype="html")
    for piece in courriel.pieces_jointes or []:
        contenu = Path(piece["chemin"]).read_bytes()
        maintype, _, subtype = piece.get("type", "application/octet-stream").partition("/")
        message.add_attachment(contenu, maintype=maintype, subtype=subtype, filename=piece["nom"])
    return message


def _envoyer(app: Flask, message: EmailMessage) -> None:
    host, port = app.config["SMTP_HOST"], int(app.config["SMTP_PORT"])
    mode = app.config["SMTP_TLS"]
    timeout = float(app.config.get("SMTP_TIMEOUT", 10))
    if mode == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if app.config.get("SMTP_UTILISATEUR"):
            smtp.login(app.config["SMTP_UTILISATEUR"], app.config["SMTP_MOT_DE_PASSE"])
        smtp.send_message(message)


def _reserver(session: Session, limite: int) -> list[int]:
    """Claim due rows for this worker; a row reserved by a worker that died is claimable again."""
    maintenant = clock.now()
    dus = or_(
        and_(Courriel.etat == A_ENVOYER, Courriel.prochain_essai <= maintenant),
        and_(Courriel.etat == EN_COURS, Courriel.reserve_jusqua < maintenant),
    )
    choix = select(Courriel.id).where(dus).order_by(Courriel.prochain_essai).limit(limite)
    if session.get_bind().dialect.name == "postgresql":
        choix = choix.with_for_update(skip_locked=True)
    ids = list(session.scalars(choix))
    reserves = []
    for courriel_id in ids:  # the conditional UPDATE makes each claim atomic, whatever the database
        claimed = session.execute(
            update(Courriel)
            .where(Courriel.id == courriel_id, dus)
            .values(etat=EN_COURS, reserve_jusqua=maintenant + RESERVATION)
            # Not evaluated in Python against loaded rows (SQLite gives naive datetimes back); all expire at commit.
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            reserves.append(courriel_id)
    session.commit()
    return reserves


def envoyer_les_courriels_dus(session: Session, limite: int = 50) -> dict[str, int]:
    """One pass of the worker: send what is due; returns counts by outcome."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    bilan = {ENVOYE: 0, A_ENVOYER: 0, ECHEC: 0}
    if not smtp_configure(app):
        return bilan
    for courriel_id in _reserver(session, limite):
        courriel = session.get(Courriel, courriel_id)
        try:
            _envoyer(app, _message(app, courriel))
        except (OSError, smtplib.SMTPException) as err:
            courriel.tentatives += 1
            courriel.derniere_erreur = f"{type(err).__name__}: {err}"[:2000]
            courriel.reserve_jusqua = None
            if courriel.tentatives >= MAX_TENTATIVES:
                courriel.etat = ECHEC
            else:
                courriel.etat = A_ENVOYER
                courriel.prochain_essai = clock.now() + delai_avant_nouvel_essai(courriel.tentatives)
        else:
            courriel.tentatives += 1
            courriel.etat, courriel.envoye_le, courriel.reserve_jusqua = ENVOYE, clock.now(), None
            courriel.derniere_erreur = None
        bilan[courriel.etat] += 1
        session.commit()
    return bilan


def prochain_reveil(session: Session) -> datetime | None:
    return session.scalar(select(Courriel.prochain_essai).where(Courriel.etat == A_ENVOYER).order_by(
        Courriel.prochain_essai).limit(1))
