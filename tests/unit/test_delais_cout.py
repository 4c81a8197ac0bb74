"""What a timer's firing costs (F-47, benchmark 4), and that the cuts keep everything it does.

The closure notification's mail is rendered once per language for a whole sweep, yet every application gets its own
mail: the very text a fresh rendering gives, in its account's language, with its own Message-ID, and its audit rows
in the same order as before. The account is read once per firing, as two columns; the process version, once per
sweep."""

from __future__ import annotations

import pytest
from flask import render_template, template_rendered
from sqlalchemy import event, select

from app import i18n
from app.extensions import db
from app.models import Compte, Courriel, Demande, Evenement, Notification
from app.timers import declencher_les_delais
from tests.delais_masse import cloner, declenchements, demande_echue

pytestmark = pytest.mark.feature("F-47")


def _rendu_neuf(app, langue: str) -> tuple[str, str, str]:
    """(subject, text, HTML) of the notification mail rendered from scratch in `langue`."""
    with app.test_request_context(), i18n.en_langue(langue):
        contexte = {"lien": app.config["URL_BASE"] + "/connexion"}
        texte = render_template("mail/notification.txt", **contexte)
        html = render_template("mail/notification.html", **contexte)
    premiere, _, corps = texte.partition("\n")
    return premiere.removeprefix("Objet : ").strip(), corps.lstrip("\n"), html


def test_chaque_demande_recoit_son_courriel_dans_sa_langue_rendu_une_fois(app, client, demo):
    modele = demande_echue(app, client, demo["CAS_3"])
    ids = [modele, *cloner(app, modele, 3)]
    store = app.extensions["demandes"]
    rendus: list[str] = []

    def noter(_app, template, context, **_extra) -> None:
        rendus.append(template.name)

    app.extensions.pop("courriels_rendus", None)  # the web actions above rendered (and kept) the French one
    with app.app_context(), template_rendered.connected_to(noter, app):
        premiers = declencher_les_delais(db.session, store, lot=2, lots=1)  # the account in French
        compte = db.session.get(Compte, db.session.get(Demande, modele).compte_id)
        compte.langue, adresse = "en", compte.email
        db.session.commit()
        suivants = declencher_les_delais(db.session, store)  # the same account, now in English
    assert sorted(premiers.declenches + suivants.declenches) == ids
    assert declenchements(app, ids) == {i: 1 for i in ids}
    # Two languages: each template rendered once per language, not once per application (8 renderings).
    assert sorted(rendus) == sorted(["mail/notification.txt", "mail/notification.html"] * 2)

    with app.app_context():
        # The closure mail is each application's latest (the model application had the complement's mail before).
        courriels = {c.demande_id: c for c in db.session.scalars(
            select(Courriel).where(Courriel.demande_id.in_(ids)).order_by(Courriel.id))}
        assert sorted(courriels) == ids
        fr, en = _rendu_neuf(app, "fr"), _rendu_neuf(app, "en")
        assert fr != en
        for demande_id, courriel in courriels.items():
            attendu = fr if demande_id in premiers.declenches else en
            assert (courriel.sujet, courriel.texte, courriel.html) == attendu
            assert courriel.destinataire == adresse and courriel.etat == "a_envoyer"
        assert len({c.message_id for c in courriels.values()}) == len(ids)

        # The audit rows of one firing, in the order they always had.
        natures = list(db.session.scalars(select(Evenement.nature).where(Evenement.demande_id == ids[-1])
                                          .order_by(Evenement.id)))
        assert natures[-4:] == ["notification_envoyee", "courriel_en_file", "service_execute", "delai_echu"]
        notification = db.session.scalar(select(Notification).where(Notification.demande_id == ids[-1],
                                                                     Notification.nature == "cloture"))
        details = {e.nature: e.detail for e in db.session.scalars(select(Evenement).where(
            Evenement.demande_id == ids[-1], Evenement.nature.in_(["notification_envoyee", "courriel_en_file"])))}
        assert details["notification_envoyee"]["notification"] == notification.id
        assert details["courriel_en_file"]["courriel"] == courriels[ids[-1]].id


def test_une_demande_lit_le_compte_une_fois_et_la_version_une_fois_par_balayage(app, client, demo):
    modele = demande_echue(app, client, demo["CAS_3"])
    ids = [modele, *cloner(app, modele, 4)]
    ordres: list[str] = []
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"

        def noter(_conn, _curseur, sql: str, *_args) -> None:
            ordres.append(" ".join(sql.split()))

        event.listen(db.engine, "before_cursor_execute", noter)
        try:
            bilan = declencher_les_delais(db.session, app.extensions["demandes"])
        finally:
            event.remove(db.engine, "before_cursor_execute", noter)
    assert sorted(bilan.declenches) == ids
    comptes = [o for o in ordres if o.startswith("SELECT") and " FROM compte " in o]
    assert len(comptes) == len(ids)
    assert all(o.startswith("SELECT compte.email, compte.langue FROM compte") for o in comptes)
    assert len([o for o in ordres if o.startswith("SELECT") and "FROM version_processus" in o]) <= 1
    if sqlite:  # read before the lock (PostgreSQL reads the state under its row lock)
        lectures = [o for o in ordres if o.startswith("SELECT") and "etat_processus" in o]
        assert len(lectures) == len(ids)  # the application and its state, in one statement
        assert all("FROM demande LEFT OUTER JOIN etat_processus" in o for o in lectures)
    # The notification and its mail are inserted by one flush, before the audit rows of that flush's caller.
    assert len([o for o in ordres if o.startswith("INSERT INTO notification")]) == len(ids)
    assert len([o for o in ordres if o.startswith("INSERT INTO courriel")]) == len(ids)
    # Audit rows: the notification's and its mail's in one INSERT, then the service task's, then the deadline's.
    assert len([o for o in ordres if o.startswith("INSERT INTO evenement")]) == 3 * len(ids)
