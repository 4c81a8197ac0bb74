"""E-mails (F-27): rendered from templates into the outbox, in the caller's transaction; delivered by the worker.

Nothing is sent for an action that was rolled back, and nothing is lost for one that committed:
the database is the queue. Several workers share it by claiming one row at a time (SKIP LOCKED on
PostgreSQL, an atomic conditional UPDATE on SQLite) for a short lease (MAIL_RESERVATION, 60 s): a worker
killed mid-send holds back only that mail, and only until its lease ends.

Delivery is at least once: a worker killed between the server's acceptance and its commit leaves the row
claimable again, and the mail goes a second time. Every attempt carries the row's one Message-ID (set when
queued), so the receiving side can recognise the copy.

With SMTP_HOST, mail goes over SMTP; without it, to the local mail store (boite_locale: `.eml` files under
MAIL_DOSSIER that only the operator reads, listed by `flask courriels-lister`). No web page shows mail.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from . import boite_locale, clock, documents, i18n
from .confirmations import sha256_de
from .models import Compte, Courriel
from .workflow.store import LigneDeJournal, journaliser, journaliser_ensemble, ligne_de_journal

A_ENVOYER, EN_COURS, ENVOYE, ECHEC = "a_envoyer", "en_cours", "envoye", "echec"
MAX_TENTATIVES = 8
CANDIDATS = 5  # rows looked at per claim, so that losing a race to another worker rarely costs a second query


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
    langue: str | None = None,
) -> Courriel:
    """Render `mail/<modele>.txt` (first line « Objet : … ») and `.html`, and queue them with their Message-ID.

    In the account's language (F-18), whatever the language of the page or task that queues the mail; a caller that
    has read it already gives it as `langue` (one query less)."""
    if langue is None:
        compte = session.get(Compte, compte_id) if compte_id is not None else None
        langue = compte.langue if compte is not None else i18n.langue_courante()
    courriel = courriel_a_envoyer(modele, destinataire, contexte, langue, demande_id=demande_id, compte_id=compte_id,
                                  pieces_jointes=pieces_jointes)
    session.add(courriel)
    session.flush()
    journaliser_mise_en_file(session, courriel)
    return courriel


def courriel_a_envoyer(
    modele: str,
    destinataire: str,
    contexte: dict[str, Any],
    langue: str,
    *,
    demande_id: int | None = None,
    compte_id: int | None = None,
    pieces_jointes: list[dict[str, Any]] | None = None,
    memoriser: bool = False,
) -> Courriel:
    """The outbox row of `mettre_en_file`, rendered in `langue` with its Message-ID, not yet added to a session: a
    caller that flushes other rows too adds it with them (one flush), then calls `journaliser_mise_en_file`.

    With `memoriser`, a context of plain values that holds no secret (the notifications' mail: a link to the login
    page) is rendered once per process, template and language: the mail templates read only their context and the
    language, and a timer sweep queues thousands of the same mail. Never for a context that carries a token."""
    texte, html = _rendu(modele, langue, contexte, memoriser)
    premiere, _, corps = texte.partition("\n")
    if not premiere.startswith("Objet : "):
        raise ValueError(f"mail/{modele}.txt doit commencer par « Objet : »")
    return Courriel(
        modele=modele,
        destinataire=destinataire,
        sujet=premiere.removeprefix("Objet : ").strip(),
        texte=corps.lstrip("\n"),
        html=html,
        pieces_jointes=pieces_jointes or [],
        demande_id=demande_id,
        compte_id=compte_id,
        etat=A_ENVOYER,
        prochain_essai=clock.now(),
        message_id=nouveau_message_id(current_app._get_current_object()),  # type: ignore[attr-defined]
    )


def journaliser_mise_en_file(session: Session, courriel: Courriel) -> None:
    """The « courriel_en_file » audit row of a flushed outbox row (an account's mails are not an application's)."""
    if courriel.demande_id is not None:
        journaliser_ensemble(session, courriel.demande_id, [ligne_de_mise_en_file(courriel)])


def ligne_de_mise_en_file(courriel: Courriel) -> LigneDeJournal:
    """That row, for a caller that writes it with its own (`journaliser_ensemble`)."""
    return ligne_de_journal("systeme", "courriel_en_file", {"courriel": courriel.id, "modele": courriel.modele,
                                                            "destinataire": courriel.destinataire,
                                                            "sujet": courriel.sujet})


_RENDUS_MAX = 256


def _rendu(modele: str, langue: str, contexte: dict[str, Any], memoriser: bool) -> tuple[str, str]:
    """The text and HTML of a mail; kept (see `courriel_a_envoyer`) unless templates reload (development)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    rendus: dict[tuple[Any, ...], tuple[str, str]] = app.extensions.setdefault("courriels_rendus", {})
    cle: tuple[Any, ...] | None = None
    if memoriser and not app.jinja_env.auto_reload and all(type(v) in (str, int, bool) for v in contexte.values()):
        cle = (modele, langue, tuple(sorted(contexte.items())))
        if cle in rendus:
            return rendus[cle]
    with i18n.en_langue(langue):
        rendu = render_template(f"mail/{modele}.txt", **contexte), render_template(f"mail/{modele}.html", **contexte)
    if cle is not None:
        if len(rendus) >= _RENDUS_MAX:
            rendus.clear()
        rendus[cle] = rendu
    return rendu


def nouveau_message_id(app: Flask) -> str:
    """96 random bits at the sender's domain: short enough that the header is never folded (make_msgid's is)."""
    return f"<{secrets.token_hex(12)}@{app.config['MAIL_EXPEDITEUR'].rpartition('@')[2] or 'localhost'}>"


def smtp_configure(app: Flask) -> bool:
    return bool(app.config.get("SMTP_HOST"))


def _piece(session: Session, piece: dict[str, Any]) -> bytes:
    """An attachment's bytes, resolved when the mail is sent: the deposit confirmation is named by its application
    (its PDF may not be drawn yet when the mail is queued: drawn now if the worker has not yet)."""
    if "confirmation_de" in piece:
        sha = sha256_de(session, piece["confirmation_de"])
        if sha is None:
            raise FileNotFoundError(f"confirmation de dépôt de la demande {piece['confirmation_de']} introuvable")
        return documents.chemin(sha).read_bytes()
    return Path(piece["chemin"]).read_bytes()


def _message(app: Flask, courriel: Courriel, pieces: list[bytes] | None = None) -> EmailMessage:
    """The same message on every attempt: Message-ID and Date come from the row, not from the attempt."""
    message = EmailMessage()
    message["Subject"] = courriel.sujet
    message["From"] = formataddr((app.config["MAIL_EXPEDITEUR_NOM"], app.config["MAIL_EXPEDITEUR"]))
    message["To"] = courriel.destinataire
    message["Date"] = format_datetime(clock.paris(courriel.cree_le))
    message["Message-ID"] = courriel.message_id
    message.set_content(courriel.texte)
    message.add_alternative(courriel.html, subtype="html")
    for piece, contenu in zip(courriel.pieces_jointes or [], pieces or [], strict=True):
        maintype, _, subtype = piece.get("type", "application/octet-stream").partition("/")
        message.add_attachment(contenu, maintype=maintype, subtype=subtype, filename=piece["nom"])
    return message


def nom_du_fichier(courriel: Courriel) -> str:
    """Names sort by queueing time (UTC: no hour repeated in autumn); one name per row, so a second delivery
    replaces the first copy."""
    return f"{clock.paris(courriel.cree_le).astimezone(UTC):%Y%m%dT%H%M%SZ}-{courriel.id:08d}{boite_locale.SUFFIXE}"


def _livrer(app: Flask, courriel: Courriel, message: EmailMessage) -> None:
    if smtp_configure(app):
        _envoyer(app, message)
    else:
        boite_locale.deposer(Path(app.config["MAIL_DOSSIER"]), nom_du_fichier(courriel), message)


def _envoyer(app: Flask, message: EmailMessage) -> None:
    host, port = app.config["SMTP_HOST"], int(app.config["SMTP_PORT"])
    mode = app.config["SMTP_TLS"]
    timeout = float(app.config["SMTP_TIMEOUT"])
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


def reserver(session: Session) -> int | None:
    """Claim one due row for this worker, for MAIL_RESERVATION seconds; None when nothing is due.

    A row whose lease has ended (its worker died) is claimable again. A row queued without a Message-ID
    (before that column existed) gets one at this first claim and keeps it.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        maintenant = clock.now()
        dus = or_(
            and_(Courriel.etat == A_ENVOYER, Courriel.prochain_essai <= maintenant),
            and_(Courriel.etat == EN_COURS, Courriel.reserve_jusqua < maintenant),
        )
        choix = select(Courriel.id).where(dus).order_by(Courriel.prochain_essai, Courriel.id).limit(CANDIDATS)
        if session.get_bind().dialect.name == "postgresql":
            choix = choix.with_for_update(skip_locked=True)
        candidats = list(session.scalars(choix))
        if not candidats:
            session.commit()
            return None
        for courriel_id in candidats:  # the conditional UPDATE makes the claim atomic, whatever the database
            claimed = session.execute(
                update(Courriel)
                .where(Courriel.id == courriel_id, dus)
                .values(etat=EN_COURS,
                        reserve_jusqua=maintenant + timedelta(seconds=float(app.config["MAIL_RESERVATION"])),
                        message_id=func.coalesce(Courriel.message_id, nouveau_message_id(app)))
                # Not evaluated in Python against loaded rows (SQLite gives naive datetimes back); all expire at
                # commit.
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed:
                session.commit()
                return courriel_id
        session.commit()  # every candidate went to another worker meanwhile: look again


def envoyer_les_courriels_dus(session: Session, limite: int = 50) -> dict[str, int]:
    """One pass of the worker: deliver up to `limite` due mails, claimed one at a time; counts by outcome."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    bilan = {ENVOYE: 0, A_ENVOYER: 0, ECHEC: 0}
    for _ in range(limite):
        courriel_id = reserver(session)
        if courriel_id is None:
            break
        courriel = session.get(Courriel, courriel_id)
        try:
            pieces = [_piece(session, piece) for piece in courriel.pieces_jointes or []]
            _livrer(app, courriel, _message(app, courriel, pieces))
        except (OSError, smtplib.SMTPException) as err:
            courriel.tentatives += 1
            courriel.derniere_erreur = f"{type(err).__name__}: {err}"[:2000]
            courriel.reserve_jusqua = None
            if courriel.tentatives >= MAX_TENTATIVES:
                courriel.etat = ECHEC
            else:
                courriel.etat = A_ENVOYER
                courriel.prochain_essai = clock.now() + delai_avant_nouvel_essai(courriel.tentatives)
            _journaliser(session, courriel, "courriel_echec", {"erreur": courriel.derniere_erreur,
                                                               "tentative": courriel.tentatives,
                                                               "abandonne": courriel.etat == ECHEC})
        else:
            courriel.tentatives += 1
            courriel.etat, courriel.envoye_le, courriel.reserve_jusqua = ENVOYE, clock.now(), None
            courriel.derniere_erreur = None
            _journaliser(session, courriel, "courriel_envoye", {"message_id": courriel.message_id,
                                                                "tentative": courriel.tentatives})
        bilan[courriel.etat] += 1
        session.commit()
    return bilan


def _journaliser(session: Session, courriel: Courriel, nature: str, detail: dict[str, Any]) -> None:
    """The outcome in the application's audit log, in the worker's transaction that records it (F-42)."""
    if courriel.demande_id is not None:
        journaliser(session, courriel.demande_id, "systeme:courriels", nature,
                    {"courriel": courriel.id, "sujet": courriel.sujet, **detail})


def prochain_reveil(session: Session) -> datetime | None:
    return session.scalar(select(Courriel.prochain_essai).where(Courriel.etat == A_ENVOYER).order_by(
        Courriel.prochain_essai).limit(1))
