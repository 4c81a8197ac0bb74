"""F-26 under load, on SQLite: deposits at the same moment get distinct numbers; the same draft deposited
five times at once gets one number, one PDF and one mail, and every request ends on the deposited state."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from threading import Barrier, Thread
from typing import Any

import pytest
from sqlalchemy import func, select

from app import clock
from app.confirmations import dessiner_les_confirmations_dues
from app.extensions import db
from app.models import Compte, Compteur, ConfirmationADessiner, Courriel, Demande, Personne
from app.register import import_rows
from app.workflow import store as store_module
from tests.conftest import csrf_token, task_id
from tests.web.conftest import CHEAP
from tests.web.helpers import login, paris_today, text

MOT_DE_PASSE = "Concurrence-1!"
STEP1 = {"emancipe": False, "adresse": "20 Rue Nationale", "outre_mer": False, "numero_voie": "20",
         "voie": "Rue Nationale", "complement": "", "code_postal": "59800", "ville": "Lille", "pays": "FRANCE",
         "code_insee": "59350", "telephone": "0101010101"}


def adultes(n: int) -> list[str]:
    """n adults of the register (CAS 3) with an active account each; returns their n° étranger."""
    today = paris_today()
    naissance = today.replace(year=today.year - 18) - timedelta(days=90)
    numeros = [f"59090{i:05d}" for i in range(n)]
    rows = [{"numero_etranger": numero, "nom_naissance": "MARTÍNEZ", "nom_usage": "", "prenoms": f"Zoé {i}",
             "sexe": "Féminin", "date_naissance": naissance.strftime("%d/%m/%Y"), "pays_naissance": "PEROU",
             "lieu_naissance": "Lima", "nationalite": "Péruvienne", "titres": ""} for i, numero in enumerate(numeros)]
    personnes = import_rows(db.session, rows)
    assert personnes == n
    for personne in db.session.scalars(select(Personne).where(Personne.numero_etranger.in_(numeros))):
        db.session.add(Compte(personne=personne, email=f"{personne.numero_etranger}@example.org",
                              mot_de_passe=CHEAP.hash(MOT_DE_PASSE), email_confirme_le=datetime.now(UTC)))
    db.session.commit()
    return numeros


def brouillon_a_l_etape_4(app, numero: str) -> int:
    """A draft walked to « Dépôt de la demande » through the store (the web walk is tested elsewhere)."""
    store = app.extensions["demandes"]
    compte = db.session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == numero))
    naissance: date = compte.personne.date_naissance
    demande = store.create(compte, {"date_naissance": naissance, "email": compte.email}, clock.today())
    step2 = {"date_prise_en_charge_ase": naissance.replace(year=naissance.year + 15),
             "date_entree_france": date(2020, 1, 15), "situation_familiale": "Célibataire", "date_debut_union": None,
             "pays_union": "", "enfants_a_charge": False, "attestations_cochees": ["polygamie", "sanctions"]}
    for valeurs in (STEP1, step2, {}):
        with store.open(demande.id, clock.today()) as instance:
            instance.complete(instance.ready("Usager")[0].id, valeurs, "test")
    assert demande.formulaire == "depot"
    return demande.id


def client_a_l_etape_4(app, numero: str, demande_id: int) -> tuple[Any, dict[str, str]]:
    """A logged-in browser showing step 4, and the form it will post."""
    client = app.test_client()
    assert login(client, numero, MOT_DE_PASSE).status_code == 302
    page = client.get(f"/demandes/{demande_id}").get_data(as_text=True)
    assert "Déposer la demande &gt;" in page
    return client, {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "poursuivre",
                    "observations": ""}


def tous_en_meme_temps(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; returns each one's result or exception."""
    barrier = Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = actions[i]()
        except BaseException as err:  # reported by the test, with the others' results
            results[i] = err

    threads = [Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def pdfs_stockes(app) -> list[Path]:
    return [p for p in Path(app.config["DOCUMENTS_DIR"]).rglob("*") if p.is_file() and p.read_bytes()[:5] == b"%PDF-"]


@pytest.mark.feature("F-26")
@pytest.mark.feature("F-11")
def test_vingt_depots_simultanes_vingt_numeros_distincts(app):
    with app.app_context():
        numeros = adultes(20)
        demandes = [brouillon_a_l_etape_4(app, n) for n in numeros]
    navigateurs = [client_a_l_etape_4(app, n, d) for n, d in zip(numeros, demandes, strict=True)]

    reponses = tous_en_meme_temps([
        (lambda c=c, d=d, f=f: c.post(f"/demandes/{d}", data=f))
        for (c, f), d in zip(navigateurs, demandes, strict=True)
    ])

    for reponse, demande_id in zip(reponses, demandes, strict=True):
        assert not isinstance(reponse, BaseException), repr(reponse)
        assert reponse.status_code == 302 and reponse.location.endswith(f"/demandes/{demande_id}/confirmation")
    with app.app_context():
        attribues = db.session.scalars(select(Demande.numero).where(Demande.id.in_(demandes))).all()
        assert len(attribues) == 20 and len(set(attribues)) == 20 and None not in attribues
        prefixe = f"5901{paris_today():%Y%m%d}"
        assert all(re.fullmatch(rf"{prefixe}\d{{7}}", n) for n in attribues), attribues
        # A locked counter row, not max()+1: 1 to 20, no gap and no repeat.
        assert sorted(int(n[-7:]) for n in attribues) == list(range(1, 21))
        assert db.session.scalar(select(Compteur.valeur).where(Compteur.cle.like("demande:59:%"))) == 20
        assert db.session.scalar(select(func.count()).select_from(Courriel)
                                 .where(Courriel.modele == "confirmation_depot")) == 20
        assert db.session.scalar(select(func.count()).select_from(ConfirmationADessiner)) == 20  # drawn off the deposit
        assert dessiner_les_confirmations_dues(db.session) == {"dessinees": 20, "en_erreur": 0}
    assert len(pdfs_stockes(app)) == 20


@pytest.mark.feature("F-26")
@pytest.mark.feature("F-11")
@pytest.mark.parametrize("verrou", ["ecriture", "version seule"])
def test_cinq_clics_simultanes_sur_deposer_un_seul_numero_et_un_seul_courriel(app, demo, monkeypatch, verrou):
    """« ecriture »: as the app runs on SQLite (the write lock is taken before reading). « version seule »: as if
    no lock were taken (a caller already in a transaction): the version check alone must still refuse the four
    others cleanly, even when it trips inside a service task (SpiffWorkflow wraps the error)."""
    if verrou == "version seule":
        monkeypatch.setattr(store_module, "_begin_write", lambda session: None)
    person = demo["CAS_3"]
    with app.app_context():
        demande_id = brouillon_a_l_etape_4(app, person.numero_etranger)
    premier = app.test_client()
    assert login(premier, person.numero_etranger, person.mot_de_passe).status_code == 302
    page = premier.get(f"/demandes/{demande_id}").get_data(as_text=True)
    formulaire = {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "poursuivre",
                  "observations": "Merci."}
    # Five requests of the same browser session (double clicks, several tabs): the same cookie and form.
    onglets = [premier]
    for _ in range(4):
        onglet = app.test_client()
        onglet.set_cookie("session", premier.get_cookie("session").value)
        onglets.append(onglet)

    reponses = tous_en_meme_temps([
        (lambda o=o: o.post(f"/demandes/{demande_id}", data=formulaire, follow_redirects=True)) for o in onglets
    ])

    for reponse in reponses:
        assert not isinstance(reponse, BaseException), repr(reponse)
        assert reponse.status_code == 200
        page = text(reponse)
        assert "Votre demande a bien été enregistrée" in page and "Étape 5 sur 5" in page
    with app.app_context():
        demande = db.session.get(Demande, demande_id)
        assert demande.numero and demande.etat == "examiner_demande"
        assert db.session.scalar(select(func.count()).select_from(Demande).where(Demande.numero.is_not(None))) == 1
        assert db.session.scalar(select(func.count()).select_from(Courriel)) == 1
        # No number was taken and dropped (the others' counter updates were rolled back with them).
        assert db.session.scalar(select(Compteur.valeur)) == 1
    if verrou == "ecriture":
        # The four others waited for the first one's commit and found the deposit done: one proof queued, and
        # the worker draws that one only.
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ConfirmationADessiner)) == 1
            assert dessiner_les_confirmations_dues(db.session) == {"dessinees": 1, "en_erreur": 0}
            sha = db.session.get(Demande, demande_id).confirmation_sha256
        assert [p.name for p in pdfs_stockes(app)] == [sha]
