"""`flask demo-volume`: many realistic applications, written fast, to measure the agents' queue at scale (F-47).

Rows go straight into the tables by bulk INSERTs with ids chosen here (no RETURNING, no ORM unit of work): people
of the register, their accounts (one password for all, hashed once), applications in every state of the current
process over the given prefectures (drafts, abandoned drafts, deposited ones waiting for an agent or the applicant,
decided and closed ones), assigned to the prefecture's agents as instruction goes. The queue's counters are kept by
the database's triggers (migration 0009), so they stay right whatever writes the rows.

Workflow states: each application in a state that a real saved application of the database already has gets a copy
of that real serialized workflow (its size and shape, not its data); a draft always has one (a real draft is created
through the store when none exists). An application in a state no real one has keeps no workflow: its page then
says it is in incident, the queue and « Mes demandes » are unaffected (they never read workflows).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import click
from flask import Flask
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from . import clock, departements
from .comptes import hacher
from .extensions import db
from .models import Agent, AgentPrefecture, Compte, Compteur, Demande, EtatProcessus, FileCompte, Personne
from .workflow import contrat
from .workflow.engine import SERIALIZER_VERSION
from .workflow.specs import final_states, lane_user_tasks

MOT_DE_PASSE = "Volume-Demo-2026!"  # every generated account's: the benchmark logs in as one of them
PAQUET = 5000  # rows per INSERT statement batch

NOMS = ["MARTIN", "BERNARD", "DIALLO", "TRAORE", "KONE", "COULIBALY", "CAMARA", "DIARRA", "SYLLA", "TOURE",
        "BAH", "BARRY", "SOW", "NDIAYE", "FOFANA", "KEITA", "CISSE", "DIABY", "SAKO", "DOUMBIA", "HAIDARI",
        "AHMADI", "RAHIMI", "HUSSAINI", "MOHAMMADI", "NAZARI", "YILMAZ", "KAYA", "DEMIR", "SAHIN", "OSMANI",
        "BEGUM", "KHAN", "HOSSAIN", "ISLAM", "AHMED", "ALI", "HASSAN", "IBRAHIM", "MOHAMED", "OMAR", "YUSUF",
        "ABDI", "MENSAH", "OWUSU", "NGUYEN", "TRAN", "PHAM", "LE", "HOANG", "POPESCU", "IONESCU", "DUBOIS",
        "THOMAS", "ROBERT", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "MICHEL", "GARCIA"]
PRENOMS = ["Mamadou", "Moussa", "Ibrahima", "Abdoulaye", "Amadou", "Oumar", "Seydou", "Aminata", "Fatoumata",
           "Mariam", "Aïssata", "Kadiatou", "Ahmad", "Mohammad", "Ali", "Hamid", "Sami", "Yasmina", "Leïla",
           "Samira", "Nadia", "Youssef", "Karim", "Omar", "Bilal", "Hawa", "Binta", "Awa", "Djeneba", "Salif",
           "Boubacar", "Alpha", "Thierno", "Mohamed", "Idriss", "Nour", "Sara", "Inès", "Lina", "Éric", "Joël"]
PAYS = [("MALI", "Bamako", "Malienne"), ("GUINÉE", "Conakry", "Guinéenne"), ("CÔTE D'IVOIRE", "Abidjan", "Ivoirienne"),
        ("AFGHANISTAN", "Kaboul", "Afghane"), ("BANGLADESH", "Dacca", "Bangladaise"), ("SÉNÉGAL", "Dakar",
        "Sénégalaise"), ("TUNISIE", "Tunis", "Tunisienne"), ("PAKISTAN", "Lahore", "Pakistanaise")]

# Share of each state (from a few months of a prefecture's activity): drafts, waiting, decided, closed.
PARTS = [("brouillon", 12), ("demande_abandonnee", 3), ("examiner_demande", 30), ("decider", 10),
         ("repondre_complement", 8), ("demande_acceptee", 20), ("demande_refusee", 7), ("demande_cloturee", 10)]
SANS_NUMERO = {"brouillon", "demande_abandonnee"}  # never deposited
AFFECTEE = {"examiner_demande": 0.3, "decider": 0.8, "repondre_complement": 1.0, "demande_acceptee": 1.0,
            "demande_refusee": 1.0, "demande_cloturee": 1.0}  # share with an agent assigned


@dataclass
class Bilan:
    personnes: int
    demandes: int
    par_etat: dict[str, int]
    clonees: int
    secondes: float


def _max_id(session: Session, colonne: Any) -> int:
    return session.scalar(select(func.coalesce(func.max(colonne), 0)))


def _par_paquets(lignes: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for debut in range(0, len(lignes), PAQUET):
        yield lignes[debut:debut + PAQUET]


def _libelles(session: Session, catalog: Any) -> dict[str, str]:
    """The states' names as the current process gives them (those the queue shows)."""
    bundle = catalog.current_bundle(session)
    libelles = {"brouillon": "Brouillon"}
    libelles |= final_states(bundle)
    for lane in (contrat.AGENT, contrat.USAGER):
        libelles |= lane_user_tasks(bundle, lane)
    return libelles


def _modeles(session: Session, store: Any, compte_id: int | None) -> dict[str, str]:
    """One real serialized workflow per state found among the saved applications; a real draft if none exists."""
    modeles: dict[str, str] = {}
    for etat, texte in session.execute(
            select(Demande.etat, EtatProcessus.etat).join(EtatProcessus, EtatProcessus.demande_id == Demande.id)
            .where(EtatProcessus.etat != "", Demande.incident.is_(None)).order_by(Demande.id)):
        modeles.setdefault(etat, texte)
    if "brouillon" not in modeles and compte_id is not None:
        compte = session.get(Compte, compte_id)
        personne = compte.personne
        demande = store.create(compte, {"date_naissance": personne.date_naissance, "email": compte.email,
                                        contrat.PLACEMENT: "ase"}, clock.today())  # commits
        modeles["brouillon"] = session.scalar(select(EtatProcessus.etat).where(EtatProcessus.demande_id == demande.id))
    return modeles


def generer(session: Session, store: Any, nombre: int, prefectures: list[str], graine: int = 13) -> Bilan:
    """Write `nombre` applications (and about 0.9 × `nombre` people and accounts); the rows are committed with the
    real draft the store creates when the database has none to copy, the copied workflows right after."""
    debut = time.perf_counter()
    hasard = random.Random(graine)
    libelles = _libelles(session, store.catalog)
    etats = [e for e, _ in PARTS if e in libelles]
    poids = [p for e, p in PARTS if e in libelles]
    version = store.catalog.current_version(session).id
    agents: dict[str, list[int]] = {}
    for agent_id, dept in session.execute(select(Agent.id, AgentPrefecture.departement).join(
            AgentPrefecture, AgentPrefecture.agent_id == Agent.id).where(Agent.actif)):
        agents.setdefault(dept, []).append(agent_id)
    maintenant = clock.now()
    hache = hacher(MOT_DE_PASSE)

    # People and accounts: one in ten has a second application (an earlier one, decided or closed).
    n_personnes = max(1, round(nombre / 1.1))
    premier_personne = _max_id(session, Personne.id) + 1
    premier_compte = _max_id(session, Compte.id) + 1
    dernier_numero = session.scalar(select(func.max(Personne.numero_etranger))
                                    .where(Personne.numero_etranger.like("9%"))) or "9000000000"
    base_numero = int(dernier_numero) + 1
    personnes, comptes = [], []
    for i in range(n_personnes):
        pays, lieu, nationalite = hasard.choice(PAYS)
        naissance = date(2005, 1, 1) + timedelta(days=hasard.randrange(0, 4 * 365))
        personnes.append({"id": premier_personne + i, "numero_etranger": f"{base_numero + i:010d}",
                          "nom_naissance": hasard.choice(NOMS), "nom_usage": "",
                          "prenoms": hasard.choice(PRENOMS), "sexe": hasard.choice(["Masculin", "Féminin"]),
                          "date_naissance": naissance, "pays_naissance": pays, "lieu_naissance": lieu,
                          "nationalite": nationalite})
        comptes.append({"id": premier_compte + i, "personne_id": premier_personne + i,
                        "email": f"volume{premier_compte + i}@demo.example.org", "mot_de_passe": hache,
                        "cree_le": maintenant, "email_confirme_le": maintenant, "langue": "fr"})
    for paquet in _par_paquets(personnes):
        session.execute(insert(Personne), paquet)
    for paquet in _par_paquets(comptes):
        session.execute(insert(Compte), paquet)

    # Applications: numbers follow the real rule (department, « 01 », deposit day, sequence of that day), the
    # sequences continue the counters the numbering task reads, which are then moved past them.
    compteurs = {cle: valeur for cle, valeur in session.execute(
        select(Compteur.cle, Compteur.valeur).where(Compteur.cle.like("demande:%")))}
    premier_demande = _max_id(session, Demande.id) + 1
    demandes, par_etat = [], dict.fromkeys(etats, 0)
    for i in range(nombre):
        etat = hasard.choices(etats, poids)[0]
        par_etat[etat] += 1
        rang = i if i < n_personnes else hasard.randrange(n_personnes)
        compte, personne = premier_compte + rang, personnes[rang]
        deposee = maintenant - timedelta(days=hasard.randrange(0, 730), seconds=hasard.randrange(8 * 3600))
        creee = deposee - timedelta(days=hasard.randrange(0, 20), seconds=hasard.randrange(3600))
        ligne = {"id": premier_demande + i, "compte_id": compte, "version_processus_id": version, "etat": etat,
                 "etat_libelle": libelles[etat], "creee_le": creee, "modifiee_le": deposee, "version": 1,
                 "demande_tardive": hasard.random() < 0.05, "formulaire": None, "etape": None, "element": etat,
                 "cas": hasard.choice(["CAS_1", "CAS_2", "CAS_3"]), "numero": None, "deposee_le": None,
                 "departement": None, "agent_id": None, "echeance": None, "prochain_timer": None,
                 # the register's names, as migration 0009's triggers would copy them
                 "nom_naissance": personne["nom_naissance"], "nom_usage": personne["nom_usage"],
                 "prenoms": personne["prenoms"]}
        if etat == "brouillon":
            ligne.update(etape=hasard.randint(1, 4), modifiee_le=creee)
        elif etat not in SANS_NUMERO:
            prefecture = hasard.choice(prefectures)
            numero_dept = departements.du_code_postal(
                {"2A": "20000", "2B": "20200"}.get(prefecture, prefecture.ljust(5, "0"))).numero
            cle = f"demande:{numero_dept}:{deposee:%Y%m%d}"
            compteurs[cle] = compteurs.get(cle, 0) + 1
            ligne.update(numero=f"{numero_dept}01{deposee:%Y%m%d}{compteurs[cle]:07d}", deposee_le=deposee,
                         departement=prefecture, modifiee_le=deposee + timedelta(days=hasard.randrange(0, 60)))
            if agents.get(prefecture) and hasard.random() < AFFECTEE.get(etat, 0):
                ligne["agent_id"] = hasard.choice(agents[prefecture])
            if etat == "repondre_complement":
                ligne["echeance"] = ligne["prochain_timer"] = maintenant + timedelta(days=hasard.randrange(1, 30))
        demandes.append(ligne)
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:  # the counters are added up below: on PostgreSQL, 100 000 updates of a few rows in one
        # transaction would lengthen their version chains at each update (SQLite's triggers are cheap: kept)
        session.execute(text("ALTER TABLE demande DISABLE TRIGGER file_compte_suivre"))
    for paquet in _par_paquets(demandes):
        session.execute(insert(Demande), paquet)
    dialecte = pg_insert if postgresql else sqlite_insert
    if postgresql:
        session.execute(text("ALTER TABLE demande ENABLE TRIGGER file_compte_suivre"))
        comptes_file: dict[tuple[str, str, str, int], int] = {}
        for d in demandes:
            if d["numero"] is not None:
                cle_file = (d["departement"], d["etat"], d["etat_libelle"], d["agent_id"] or 0)
                comptes_file[cle_file] = comptes_file.get(cle_file, 0) + 1
        for (dept, etat, libelle, agent), n in comptes_file.items():
            ajout = pg_insert(FileCompte).values(departement=dept, etat=etat, etat_libelle=libelle, agent_id=agent,
                                                 nombre=n)
            session.execute(ajout.on_conflict_do_update(
                index_elements=["departement", "etat", "etat_libelle", "agent_id"],
                set_={"nombre": FileCompte.nombre + ajout.excluded.nombre}))
        for table in ("personne", "compte", "demande"):  # ids were chosen here: the sequences move past them
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))
    for cle, valeur in compteurs.items():
        session.execute(dialecte(Compteur).values(cle=cle, valeur=valeur).on_conflict_do_nothing())
        session.execute(update(Compteur).where(Compteur.cle == cle, Compteur.valeur < valeur).values(valeur=valeur))

    modeles = _modeles(session, store, premier_compte)
    etats_clones = [{"demande_id": d["id"], "version_serialiseur": SERIALIZER_VERSION, "etat": modeles[d["etat"]]}
                    for d in demandes if d["etat"] in modeles]
    for paquet in _par_paquets(etats_clones):
        session.execute(insert(EtatProcessus), paquet)
    session.commit()
    return Bilan(n_personnes, nombre, par_etat, len(etats_clones), time.perf_counter() - debut)


def register(app: Flask) -> None:
    @app.cli.command("demo-volume")
    @click.option("--demandes", "nombre", type=click.IntRange(1, 10_000_000), default=100_000, show_default=True,
                  help="Nombre de demandes à créer.")
    @click.option("--prefectures", default="59,75", show_default=True,
                  help="Départements des préfectures où les demandes sont déposées, séparés par des virgules.")
    @click.option("--graine", type=int, default=13, show_default=True, help="Graine du hasard (mêmes lignes).")
    def demo_volume(nombre: int, prefectures: str, graine: int) -> None:
        """Crée beaucoup de demandes réalistes (tous les états) pour mesurer la file des agents (F-47)."""
        codes = [departements.prefecture(c) for c in prefectures.split(",")]
        if not all(codes):
            raise click.BadParameter(f"« {prefectures} » : codes de département attendus (ex. 59,75,2A,974).",
                                     param_hint="--prefectures")
        bilan = generer(db.session, app.extensions["demandes"], nombre, codes, graine)
        click.echo(f"{bilan.demandes} demandes créées pour {bilan.personnes} personnes en {bilan.secondes:.1f} s "
                   f"(workflows copiés de demandes réelles : {bilan.clonees}).")
        click.echo("  " + ", ".join(f"{etat} {n}" for etat, n in bilan.par_etat.items()))
        click.echo(f"  Mot de passe de tous ces comptes : {MOT_DE_PASSE} (identifiant : n° étranger commençant "
                   "par 9).")
