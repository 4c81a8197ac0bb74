"""F-42 The audit trail: every event of an application in `evenement`, in order, with its actor — written in the
transaction of the action (the web pages, the engine's service tasks, the mail worker) — shown as the timeline of
the agent's review page and exported as CSV, for one application or a period of the agent's prefectures."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import agents, clock
from app.courriels import envoyer_les_courriels_dus
from app.extensions import db
from app.models import Agent, Courriel, Demande, Document, Evenement
from tests.web.agent_outils import NORD, PARIS, decider, examiner, login_agent, prendre
from tests.web.helpers import deposit
from tests.web.instruction import demande_id, derniere, lisible, png, poster

pytestmark = pytest.mark.feature("F-42")

ADMIN = agents.DEMO[2]
NON_VALIDES = {"nationalite": "Veuillez fournir une copie lisible de votre passeport.",
               "identite": "Copie partielle de l'acte de naissance."}
PARIS_11 = {"adresse": "3 Rue de la Roquette", "numero_voie": "3", "voie": "Rue de la Roquette",
            "code_postal": "75011", "ville": "Paris", "code_insee": "75111"}
FORMULE = "=1+2.png"  # a file name a spreadsheet would run as a formula


def _evenements(app, ident):
    with app.app_context():
        rows = db.session.scalars(select(Evenement).where(Evenement.demande_id == ident).order_by(Evenement.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _csv(reponse):
    assert reponse.status_code == 200, reponse.get_data(as_text=True)[:500]
    assert reponse.mimetype == "text/csv" and reponse.headers["Content-Disposition"].startswith("attachment;")
    brut = reponse.get_data()
    assert brut.startswith("\ufeff".encode()), "UTF-8 with BOM, for Excel"
    lignes = list(csv.reader(io.StringIO(brut.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert lignes[0] == ["date", "acteur", "role", "nature", "libelle", "demande", "details"]
    return [dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]]


def _demande_complete(app, smtp, demo, monkeypatch):
    """Deposit, a complement (one document maintained, one replaced, a file removed), a favourable decision, and
    the worker delivering the mails to the local SMTP server — one failure first, then the delivery."""
    usager, agent = app.test_client(), app.test_client()
    _, confirmation = deposit(usager, demo["CAS_3"], "CAS_3")
    ident = demande_id(confirmation)
    assert login_agent(agent, NORD).status_code == 302
    assert prendre(agent, ident).status_code == 302
    assert examiner(agent, ident, "complement", NON_VALIDES, "Merci de compléter.").status_code == 302
    notification = derniere(app, ident, "demande_complement")
    assert usager.get(f"/notifications/{notification.id}").status_code == 200  # opened: acknowledgement

    poster(usager, notification.id, "joindre", {"fichier_identite": png("erreur.png")})
    with app.app_context():
        erreur = db.session.scalar(select(Document.id).where(Document.nom_original == "erreur.png"))
    poster(usager, notification.id, f"supprimer:{erreur}")
    poster(usager, notification.id, "joindre", {"fichier_identite": png(FORMULE)})
    reponse = poster(usager, notification.id, reponse_nationalite="maintenir",
                     raison_nationalite="La copie comporte 2 pages", reponse_identite="mettre_a_jour")
    assert reponse.status_code == 302

    assert examiner(agent, ident, "decision").status_code == 302
    debut = clock.today() + timedelta(days=1)
    fin = debut.replace(year=debut.year + 1) - timedelta(days=1)
    assert decider(agent, ident, decision="favorable", titre_debut=f"{debut:%d/%m/%Y}", titre_fin=f"{fin:%d/%m/%Y}",
                   montant_taxe="0").status_code == 302

    smtp.arreter()  # the server is down: each mail's first attempt fails
    with app.app_context():
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 3
    smtp.demarrer()
    with app.app_context():
        plus_tard = max(clock.paris(c.prochain_essai) for c in db.session.scalars(select(Courriel)))
    monkeypatch.setattr(clock, "now", lambda: plus_tard + timedelta(seconds=1))
    with app.app_context():
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 3
    assert len(smtp.messages) == 3
    return ident, usager, agent, (debut, fin)


def test_le_journal_d_une_demande_de_bout_en_bout(app_smtp, smtp, demo, monkeypatch):
    app = app_smtp
    ident, _usager, agent, (debut, fin) = _demande_complete(app, smtp, demo, monkeypatch)
    evenements = _evenements(app, ident)
    with app.app_context():
        demande = db.session.get(Demande, ident)
        usager = f"usager:{demande.compte_id}"
        nord = db.session.scalar(select(Agent).where(Agent.email == NORD.email))
        agent_nord, nom_agent = f"agent:{nord.id}", nord.nom_complet
        numero, confirmation_sha = demande.numero, demande.confirmation_sha256
        courriels = {c.id: (c.message_id, c.sujet) for c in db.session.scalars(select(Courriel))}
        fichiers = {d.nom_original: d for d in db.session.scalars(select(Document).where(Document.demande_id == ident))}
        for d in fichiers.values():
            db.session.expunge(d)
    natures = [e.nature for e in evenements]
    acteurs = {e.nature: e.acteur for e in evenements}

    # Every kind of event is there, with who did it.
    for nature, acteur in (("demande_creee", usager), ("document_televerse", usager), ("document_supprime", usager),
                           ("prise_en_charge", agent_nord), ("service_execute", "systeme"),
                           ("notification_envoyee", "systeme"), ("notification_lue", usager),
                           ("message:notification_lue", usager), ("courriel_en_file", "systeme"),
                           ("document_maintenu", usager), ("document_remplace", usager), ("decision", agent_nord),
                           ("courriel_echec", "systeme:courriels"), ("courriel_envoye", "systeme:courriels")):
        assert nature in natures, nature
        assert acteurs[nature] == acteur, (nature, acteurs[nature])
    assert natures[0] == "demande_creee"
    assert [e.acteur for e in evenements if e.nature == "etape_validee"] == [usager] * 4 + [agent_nord, usager,
                                                                                          agent_nord, agent_nord]

    def apres(nature, detail=lambda _d: True):
        return next(i for i, e in enumerate(evenements) if e.nature == nature and detail(e.detail))

    # The deposit, then what it caused: the number, the PDF (its hash, not its bytes), the mail queued.
    depot = apres("etape_validee", lambda d: d["formulaire"] == "depot")
    # « retenir » keeps the draft's situation before the case is checked again at deposit (F-20): no effect.
    services = [e.detail for e in evenements if e.nature == "service_execute" and e.detail["operateur"] != "retenir"]
    assert [s["operateur"] for s in services[:3]] == ["numeroter", "produire_confirmation", "envoyer_courriel"]
    assert services[0]["resultat"]["numero"] == numero
    assert services[1]["resultat"] == {"a_dessiner": True}  # queued at deposit, drawn off the request (F-47)
    [produite] = [e for e in evenements if e.nature == "confirmation_produite"]
    assert produite.acteur == "systeme:confirmations" and produite.detail == {"sha256": confirmation_sha}
    confirmation_courriel = services[2]["resultat"]["courriel"]
    assert depot < apres("service_execute") < apres("courriel_en_file") < apres("etape_validee",
                                                                                lambda d: d["formulaire"] ==
                                                                                "examiner_demande")
    en_file = [e.detail for e in evenements if e.nature == "courriel_en_file"]
    assert en_file[0]["courriel"] == confirmation_courriel and en_file[0]["modele"] == "confirmation_depot"
    assert en_file[0]["destinataire"] == f"{demo['CAS_3'].numero_etranger}@demo.example.org"

    # A completed step says which values changed (against the task's data before).
    etape1 = next(e.detail for e in evenements if e.nature == "etape_validee")
    assert etape1["formulaire"] == "informations_personnelles" and "code_postal" in etape1["modifiees"]

    # The complement: notification sent, then opened by the applicant before the process heard of it.
    envoi = next(e.detail for e in evenements if e.nature == "notification_envoyee")
    assert envoi["nature"] == "demande_complement" and envoi["objet"]
    assert apres("notification_envoyee") < apres("notification_lue") < apres("message:notification_lue")

    # The answer: documents uploaded, removed, maintained, replaced — names, sizes, hashes, never the content.
    remplace = next(e.detail for e in evenements if e.nature == "document_remplace")
    nouveau = fichiers[FORMULE]
    assert remplace["piece"] == "identite"
    assert remplace["fichiers"] == [{"document": nouveau.id, "piece": "identite", "nom": FORMULE,
                                     "taille": nouveau.taille, "sha256": nouveau.sha256, "tour": 1}]
    maintenu = next(e.detail for e in evenements if e.nature == "document_maintenu")
    assert (maintenu["piece"], maintenu["raison"]) == ("nationalite", "La copie comporte 2 pages")
    supprime = next(e.detail for e in evenements if e.nature == "document_supprime")
    assert supprime["nom"] == "erreur.png" and len(supprime["sha256"]) == 64
    assert apres("document_remplace") < apres("etape_validee", lambda d: d["formulaire"] == "repondre_complement")
    for e in evenements:
        assert "contenu" not in e.detail and b"PNG" not in repr(e.detail).encode()

    # The decision, then its notification; the worker's failures and deliveries, with the mail's Message-ID.
    decision = next(e.detail for e in evenements if e.nature == "decision")
    assert decision == {"decision": "favorable", "titre_debut": debut.isoformat(), "titre_fin": fin.isoformat(),
                        "montant_taxe": 0}
    assert apres("decision") < apres("notification_envoyee", lambda d: d["nature"] == "decision")
    echecs = [e.detail for e in evenements if e.nature == "courriel_echec"]
    assert {d["courriel"] for d in echecs} == set(courriels) and {d["tentative"] for d in echecs} == {1}
    assert all("ConnectionRefusedError" in d["erreur"] for d in echecs)
    envoyes = {e.detail["courriel"]: e.detail["message_id"] for e in evenements if e.nature == "courriel_envoye"}
    assert envoyes == {i: message_id for i, (message_id, _) in courriels.items()}
    assert sorted(envoyes.values()) == sorted(m["Message-ID"] for m in smtp.messages)
    assert max(apres("courriel_echec"), *(i for i, e in enumerate(evenements) if e.nature == "courriel_envoye")) \
        == len(evenements) - 1  # the worker's events come last: written when it marks each mail

    # The timeline of the review page: every event, in French, with its actor, and the export link.
    page = agent.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    assert f'href="/agent/demandes/{ident}/journal.csv"' in page
    texte = lisible(agent, f"/agent/demandes/{ident}")
    historique = texte[texte.index("Historique"):]
    for attendu in ("Exporter (CSV)", "Brouillon de demande créé", "Demande déposée",
                    "Tâche automatique « Numéroter la demande »", f"Résultat : numero = {numero}",
                    "Courriel « Votre demande de titre de séjour a bien été enregistrée » mis en file d'envoi",
                    "Courriel « Votre demande de titre de séjour a bien été enregistrée » envoyé",
                    "Échec de l'envoi du courriel", f"Agent : {nom_agent} Demande prise en charge",
                    "ouverte par l'usager", "Document maintenu en réponse au complément",
                    "Raison : La copie comporte 2 pages", "Document remplacé en réponse au complément",
                    f"Nouveau fichier : {FORMULE}", "Fichier supprimé", "Décision favorable",
                    f"Carte de séjour temporaire valable du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}"):
        assert attendu in historique, attendu

    # The CSV of this application: one row per event, in the same order, with the actors and the number.
    lignes = _csv(agent.get(f"/agent/demandes/{ident}/journal.csv"))
    assert [ligne["nature"] for ligne in lignes] == natures
    assert {ligne["demande"] for ligne in lignes} == {numero}
    roles = {"usager": "Usager", "agent": "Agent", "systeme": "Système"}
    assert [ligne["role"] for ligne in lignes] == [roles[e.acteur.partition(":")[0]] for e in evenements]
    assert {ligne["acteur"] for ligne in lignes} == {"Usager", nom_agent, "Système"}
    for ligne, e in zip(lignes, evenements, strict=True):
        assert ligne["date"] == clock.paris(e.le).isoformat(timespec="seconds")
        assert ligne["libelle"]
    # A cell that would start with « = » (the file name) is escaped, so that Excel shows it as text.
    televerse = next(ligne for ligne in lignes if ligne["nature"] == "document_televerse" and FORMULE in
                     ligne["details"])
    assert televerse["details"].startswith("'" + FORMULE)
    assert not any(cellule.startswith(("=", "+", "-", "@")) for ligne in lignes for cellule in ligne.values())


def _deposee(app, person, case, **adresse):
    client = app.test_client()
    _, confirmation = deposit(client, person, case, **adresse)
    return demande_id(confirmation)


def test_le_journal_d_une_periode_ne_montre_que_les_prefectures_de_l_agent(app, demo):
    lille = _deposee(app, demo["CAS_3"], "CAS_3")
    paris = _deposee(app, demo["CAS_1"], "CAS_1", **PARIS_11)
    with app.app_context():
        numeros = {i: db.session.get(Demande, i).numero for i in (lille, paris)}
        assert (db.session.get(Demande, lille).departement, db.session.get(Demande, paris).departement) == ("59", "75")
    aujourdhui = clock.today()
    periode = f"du={aujourdhui - timedelta(days=1):%Y-%m-%d}&au={aujourdhui + timedelta(days=1):%Y-%m-%d}"
    vus = {}
    for agent in (NORD, PARIS, ADMIN):
        client = app.test_client()
        assert login_agent(client, agent).status_code == 302
        vus[agent.email] = _csv(client.get(f"/agent/journal.csv?{periode}"))
    assert {ligne["demande"] for ligne in vus[NORD.email]} == {numeros[lille]}
    assert {ligne["demande"] for ligne in vus[PARIS.email]} == {numeros[paris]}
    assert {ligne["demande"] for ligne in vus[ADMIN.email]} >= {numeros[lille], numeros[paris]}
    # The whole of each application's events, in order.
    for agent, ident in ((NORD, lille), (PARIS, paris)):
        assert [ligne["nature"] for ligne in vus[agent.email]] == [e.nature for e in _evenements(app, ident)]
    # The Paris agent cannot export the Lille application on its own either.
    paris_client = app.test_client()
    login_agent(paris_client, PARIS)
    assert paris_client.get(f"/agent/demandes/{lille}/journal.csv").status_code == 404
    # A period that ended before: nothing but the header.
    hier = "du=2020-01-01&au=2020-01-31"
    assert _csv(paris_client.get(f"/agent/journal.csv?{hier}")) == []


@pytest.mark.parametrize(("parametres", "message"), [
    ("", "Saisissez la date « Du » au format AAAA-MM-JJ"),
    ("du=2025-01-01", "Saisissez la date « Au » au format AAAA-MM-JJ"),
    ("du=01/01/2025&au=2025-01-31", "La date « Du » doit être une date réelle au format AAAA-MM-JJ"),
    ("du=2025-02-30&au=2025-03-01", "La date « Du » doit être une date réelle"),
    ("du=2025-03-01&au=2025-02-01", "La date « Au » doit être le même jour que la date « Du » ou après."),
    ("du=2024-01-01&au=2025-01-02", "La période ne peut pas dépasser 366 jours"),
    ("du=%00%FF&au=9999999999-01-01", "La date « Du » doit être une date réelle"),
])
def test_une_periode_fausse_ramene_au_formulaire_avec_le_message(client, parametres, message):
    assert login_agent(client, NORD).status_code == 302
    reponse = client.get(f"/agent/journal.csv?{parametres}")
    assert reponse.status_code == 400 and reponse.mimetype == "text/html"
    page = lisible(client, f"/agent/journal.csv?{parametres}")
    assert "La période n'est pas valable" in page and message in page
    assert re.search(r"<title>Erreur : Exporter le journal d'une période", reponse.get_data(as_text=True))


def test_le_formulaire_de_la_periode(client):
    assert login_agent(client, NORD).status_code == 302
    page = client.get("/agent/journal").get_data(as_text=True)
    assert 'action="/agent/journal.csv"' in page and 'name="du"' in page and 'name="au"' in page
    assert "Exporter le journal d'une période" in page
    # Exactly 366 days are accepted.
    debut = date(2024, 1, 1)
    reponse = client.get(f"/agent/journal.csv?du={debut}&au={debut + timedelta(days=365)}")
    assert reponse.status_code == 200 and reponse.mimetype == "text/csv"
