"""app/workflow/store.py on a real SQLite database: versions pinned by hash, one transaction per action."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from threading import Event, Thread

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Compte, Demande, EtatProcessus, Evenement, Personne, VersionProcessus
from app.workflow.engine import SERIALIZER_VERSION, WorkflowStateError
from app.workflow.store import DemandeEnIncident
from tests.conftest import ROOT
from tests.dates import aujourdhui

TODAY = aujourdhui()
STEP1 = {"emancipe": False, "adresse": "20 Rue Nationale", "code_postal": "59800", "ville": "Lille",
         "pays": "FRANCE", "telephone": "0101010101"}


def _compte(numero: str = "5903007192") -> Compte:
    return db.session.scalars(select(Compte).join(Personne).where(Personne.numero_etranger == numero)).one()


def _start(app) -> int:
    compte = _compte()
    return app.extensions["demandes"].create(compte, {"date_naissance": compte.personne.date_naissance}, TODAY).id


@pytest.mark.feature("F-41")
def test_une_nouvelle_version_des_fichiers_vaut_pour_les_nouvelles_demandes(app, tmp_path: Path):
    with app.app_context():
        ancienne = _start(app)
    # An analyst renames step 1 in a copy of the files; the app restarts on the same database.
    shutil.copytree(ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(ROOT / "dmn", tmp_path / "dmn")
    bpmn = tmp_path / "bpmn" / "demande_titre_sejour_ase.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace(
        'name="Informations personnelles"', 'name="Mes informations personnelles"'), encoding="utf-8")
    app2 = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "BPMN_DIR": tmp_path / "bpmn", "DMN_DIR": tmp_path / "dmn"})
    with app2.app_context():
        nouvelle = _start(app2)
        versions = db.session.scalars(select(VersionProcessus)).all()
        assert len(versions) == 2
        d_old, d_new = db.session.get(Demande, ancienne), db.session.get(Demande, nouvelle)
        assert d_old.version_processus_id != d_new.version_processus_id
        store = app2.extensions["demandes"]
        with store.open(ancienne, TODAY, write=False) as inst:
            assert inst.ready("Usager")[0].label == "Informations personnelles"
        with store.open(nouvelle, TODAY, write=False) as inst:
            assert inst.ready("Usager")[0].label == "Mes informations personnelles"
        # The old application still moves on, on its own version.
        with store.open(ancienne, TODAY) as inst:
            inst.complete(inst.ready("Usager")[0].id, STEP1, "test")
        assert db.session.get(Demande, ancienne).formulaire == "motif_sejour"


@pytest.mark.feature("F-41")
def test_chaque_version_est_stockee_une_fois(app):
    with app.app_context():
        _start(app)
        _start(app)
        assert db.session.scalar(select(db.func.count()).select_from(VersionProcessus)) == 1


@pytest.mark.feature("F-06")
def test_colonnes_de_liste_et_version_du_serialiseur(app):
    with app.app_context():
        demande_id = _start(app)
        demande = db.session.get(Demande, demande_id)
        assert (demande.etat, demande.formulaire, demande.etape) == ("brouillon", "informations_personnelles", 1)
        store = app.extensions["demandes"]
        with store.open(demande_id, TODAY) as inst:
            inst.complete(inst.ready("Usager")[0].id, STEP1, "usager:1")
        demande = db.session.get(Demande, demande_id)
        assert (demande.formulaire, demande.etape, demande.cas) == ("motif_sejour", 2, "CAS_3")
        state = db.session.get(EtatProcessus, demande_id)
        assert state.version_serialiseur == SERIALIZER_VERSION
        assert '"spec"' not in state.etat[:200]  # the spec is stored once per version, not per application
        natures = db.session.scalars(select(Evenement.nature).where(Evenement.demande_id == demande_id)).all()
        assert natures == ["demande_creee", "etape_validee"]


@pytest.mark.feature("F-06")
def test_deux_actions_concurrentes_une_seule_passe(app):
    """Two requests act on the same draft at once: the second waits for the first to commit (SQLite: BEGIN
    IMMEDIATE; PostgreSQL: SELECT … FOR UPDATE), then reads the step as done and is refused."""
    with app.app_context():
        demande_id = _start(app)
    store = app.extensions["demandes"]
    premier_a_charge, second_parti = Event(), Event()
    vu: dict[str, object] = {}

    def onglet_1() -> None:
        with app.app_context(), store.open(demande_id, TODAY) as inst:
            vu["tache"] = inst.ready("Usager")[0].id
            premier_a_charge.set()
            assert second_parti.wait(10)
            time.sleep(0.3)  # the second request is now at its door, waiting for the write lock
            inst.complete(vu["tache"], STEP1, "onglet 1")

    def onglet_2() -> None:
        assert premier_a_charge.wait(10)
        second_parti.set()
        try:
            with app.app_context(), store.open(demande_id, TODAY) as inst:
                vu["etape_vue_par_2"] = inst.ready("Usager")[0].form
                inst.complete(vu["tache"], STEP1, "onglet 2")
        except WorkflowStateError as err:
            vu["refus"] = err

    threads = [Thread(target=onglet_1), Thread(target=onglet_2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # The second read what the first committed (not a stale copy it would have saved over it).
    assert vu["etape_vue_par_2"] == "motif_sejour"
    assert isinstance(vu.get("refus"), WorkflowStateError)
    with app.app_context():
        demande = db.session.get(Demande, demande_id)
        assert demande.formulaire == "motif_sejour"
        validees = db.session.scalars(
            select(Evenement.acteur).where(Evenement.demande_id == demande_id, Evenement.nature == "etape_validee")
        ).all()
        assert validees == ["onglet 1"]


@pytest.mark.feature("F-06")
def test_une_erreur_pendant_l_action_ne_sauve_rien(app):
    with app.app_context():
        demande_id = _start(app)
        store = app.extensions["demandes"]
        with pytest.raises(RuntimeError):
            with store.open(demande_id, TODAY) as inst:
                inst.complete(inst.ready("Usager")[0].id, STEP1, "test")
                raise RuntimeError("panne au milieu")
        db.session.expire_all()
        assert db.session.get(Demande, demande_id).formulaire == "informations_personnelles"


def _casser(demande_id: int, **champs: str) -> None:
    state = db.session.get(EtatProcessus, demande_id)
    for champ, valeur in champs.items():
        setattr(state, champ, valeur)
    db.session.commit()


@pytest.mark.feature("F-48")
def test_un_etat_illisible_met_la_demande_en_incident_dans_sa_propre_transaction(app):
    with app.app_context():
        demande_id, autre_id = _start(app), _start(app)
        store = app.extensions["demandes"]
        _casser(demande_id, etat="{pas du json")
        with pytest.raises(DemandeEnIncident) as err:
            with store.open(demande_id, TODAY) as inst:
                inst.complete(inst.ready("Usager")[0].id, STEP1, "test")
        assert err.value.demande_id == demande_id and "JSONDecodeError" in err.value.raison
        db.session.remove()  # another request: what it sees was committed
        demande = db.session.get(Demande, demande_id)
        assert demande.incident == err.value.raison and demande.incident_le is not None
        premiere_fois = demande.incident_le
        # A second failure (another cause) keeps the first time; the other application works.
        _casser(demande_id, etat="{}")
        with pytest.raises(DemandeEnIncident), store.open(demande_id, TODAY, write=False):
            pass
        db.session.remove()
        demande = db.session.get(Demande, demande_id)
        assert "KeyError" in demande.incident and demande.incident_le == premiere_fois
        with store.open(autre_id, TODAY) as inst:
            inst.complete(inst.ready("Usager")[0].id, STEP1, "test")
        assert db.session.get(Demande, autre_id).formulaire == "motif_sejour"


@pytest.mark.feature("F-48")
def test_une_version_de_processus_illisible_met_ses_demandes_en_incident(app):
    with app.app_context():
        demande_id = _start(app)
        cassee = VersionProcessus(empreinte="f" * 64, processus="demande_titre_sejour_ase",
                                  fichiers={"bpmn/demande_titre_sejour_ase.bpmn": "<definitions"})
        db.session.add(cassee)
        db.session.flush()
        db.session.get(Demande, demande_id).version_processus_id = cassee.id
        db.session.commit()
        with pytest.raises(DemandeEnIncident) as err, app.extensions["demandes"].open(demande_id, TODAY):
            pass
        assert err.value.raison.startswith("version du processus illisible")
        db.session.remove()
        assert db.session.get(Demande, demande_id).incident == err.value.raison


@pytest.mark.feature("F-48")
def test_une_demande_reparee_perd_son_incident_au_chargement(app):
    with app.app_context():
        demande_id = _start(app)
        store = app.extensions["demandes"]
        bon = db.session.get(EtatProcessus, demande_id).etat
        _casser(demande_id, version_serialiseur="0.0")
        with pytest.raises(DemandeEnIncident), store.open(demande_id, TODAY, write=False):
            pass
        _casser(demande_id, version_serialiseur=SERIALIZER_VERSION, etat=bon)
        with store.open(demande_id, TODAY, write=False) as inst:  # only shown: cleared all the same
            assert inst.ready("Usager")[0].form == "informations_personnelles"
        db.session.remove()
        demande = db.session.get(Demande, demande_id)
        assert demande.incident is None and demande.incident_le is None


@pytest.mark.feature("F-47")
def test_sqlite_le_processus_est_lu_avant_le_verrou(app, monkeypatch):
    """SQLite's write lock is the whole database's: an action reads and deserialises the workflow while another
    process holds it, and only then waits for it (the version read under the lock says the copy is still good)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL locks the application's row only: no read before the lock there")
    from app.workflow.engine import Engine

    with app.app_context():
        demande_id = _start(app)
        fichier = db.engine.url.database
    store = app.extensions["demandes"]
    lectures_pendant_le_verrou: list[bool] = []
    verrou_tenu = Event()
    charger = Engine.loads

    def loads(self, etat, context):
        lectures_pendant_le_verrou.append(verrou_tenu.is_set())
        return charger(self, etat, context)

    monkeypatch.setattr(Engine, "loads", loads)
    import sqlite3

    autre = sqlite3.connect(fichier, isolation_level=None)
    autre.execute("BEGIN IMMEDIATE")  # another process writes
    verrou_tenu.set()
    fini = Event()

    def action() -> None:
        with app.app_context(), store.open(demande_id, TODAY) as inst:
            inst.complete(inst.ready("Usager")[0].id, STEP1, "usager")
        fini.set()

    fil = Thread(target=action)
    fil.start()
    time.sleep(1.0)
    assert not fini.is_set()  # waiting for the lock…
    assert lectures_pendant_le_verrou == [True]  # …with the workflow already read
    verrou_tenu.clear()
    autre.execute("COMMIT")
    autre.close()
    fil.join(30)
    assert fini.is_set() and lectures_pendant_le_verrou == [True]  # not read a second time: nobody saved meanwhile
    with app.app_context():
        assert db.session.get(Demande, demande_id).formulaire == "motif_sejour"
