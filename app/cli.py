"""`flask` commands: the register, the demo data, the worker (timers and mail)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from . import agents, clock
from .courriels import envoyer_les_courriels_dus
from .extensions import db
from .models import Compte, Personne
from .register import RegisterError, demo_people, import_csv, import_rows
from .timers import Bilan, declencher_les_delais


def _bilan_delais(bilan: Bilan) -> str:
    texte = f"délais déclenchés : {len(bilan.declenches)}, laissés au passage suivant : {len(bilan.ignores)}"
    return texte + "".join(f"\n  demande {i} en erreur : {e}" for i, e in bilan.erreurs.items())


def register(app: Flask) -> None:
    @app.cli.command("delais-declencher")
    def delais_declencher() -> None:
        """Déclenche une fois les délais échus des demandes (pour cron) : 30 jours sans réponse → clôture."""
        click.echo(_bilan_delais(declencher_les_delais(db.session, app.extensions["demandes"])))

    @app.cli.command("courriels-envoyer")
    def courriels_envoyer() -> None:
        """Envoie une fois les courriels dus de la boîte d'envoi (pour cron)."""
        bilan = envoyer_les_courriels_dus(db.session)
        click.echo(f"envoyés : {bilan['envoye']}, à réessayer : {bilan['a_envoyer']}, en échec : {bilan['echec']}")

    @app.cli.command("worker")
    @click.option("--une-fois", is_flag=True, help="Un seul passage, puis s'arrête.")
    def worker(une_fois: bool) -> None:
        """Tâches de fond : déclenche les délais échus, puis envoie les courriels dus, à intervalle régulier
        (WORKER_INTERVALLE)."""
        arret = {"demande": False}

        def stop(*_: object) -> None:
            arret["demande"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not app.config["SMTP_HOST"]:
            click.echo("Aucun serveur SMTP configuré : les courriels restent dans la boîte d'envoi (/dev/courriels).")
        while not arret["demande"]:
            try:  # timers first: the mail of a closure goes out in the same pass
                bilan = declencher_les_delais(db.session, app.extensions["demandes"])
                if bilan.declenches or bilan.erreurs:
                    click.echo(_bilan_delais(bilan), err=bool(bilan.erreurs))
            except Exception as err:
                db.session.rollback()
                click.echo(f"erreur du worker (délais) : {err}", err=True)
            finally:
                db.session.remove()
            try:
                envoyer_les_courriels_dus(db.session)
            except Exception as err:  # the worker must survive a bad row or a database hiccup
                db.session.rollback()
                click.echo(f"erreur du worker : {err}", err=True)
            finally:
                db.session.remove()
            if une_fois:
                break
            time.sleep(app.config["WORKER_INTERVALLE"])

    @app.cli.command("registre-importer")
    @click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def registre_importer(fichier: Path) -> None:
        """Importe le registre des étrangers depuis un fichier CSV (F-40)."""
        try:
            count = import_csv(db.session, fichier)
        except RegisterError as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from err
        db.session.commit()
        click.echo(f"{count} personne(s) importée(s) depuis {fichier}.")

    @app.cli.command("demo-charger")
    def demo_charger() -> None:
        """Charge les personnes de démonstration (dates calculées à partir d'aujourd'hui) et leurs comptes."""
        people = demo_people(clock.today())
        import_rows(db.session, [row for row, _ in people])
        hasher = PasswordHasher()
        click.echo("Comptes de démonstration (identifiant = n° étranger) :")
        for _, demo in people:
            personne = db.session.scalar(select(Personne).filter_by(numero_etranger=demo.numero_etranger))
            if demo.mot_de_passe is None:
                click.echo(f"  {demo.numero_etranger}  sans compte            {demo.prenoms} {demo.nom} — {demo.cas} ; "
                           f"né(e) le {personne.date_naissance:%d/%m/%Y} ; date de prise en charge par l'ASE à "
                           f"saisir : {demo.date_placement:%d/%m/%Y}")
                continue
            compte = db.session.scalar(select(Compte).filter_by(personne_id=personne.id))
            if compte is None:
                compte = Compte(personne_id=personne.id, email=f"{demo.numero_etranger}@demo.example.org")
                db.session.add(compte)
            compte.mot_de_passe = hasher.hash(demo.mot_de_passe)
            click.echo(
                f"  {demo.numero_etranger}  mot de passe {demo.mot_de_passe:<16} {demo.prenoms} {demo.nom} — "
                f"{demo.cas} ; date de prise en charge par l'ASE à saisir : {demo.date_placement:%d/%m/%Y}"
            )
        click.echo("Agents de démonstration (espace agent : /agent/connexion, identifiant = adresse email) :")
        for agent in agents.charger_demo(db.session):
            click.echo(f"  {agent.email:<30} mot de passe {agent.mot_de_passe:<16} {agent.prenom} {agent.nom} — "
                       f"préfecture du département {', '.join(agent.departements)}")
        db.session.commit()

    @app.cli.command("agent-creer")
    @click.argument("email")
    @click.option("--nom", required=True, help="Nom de l'agent.")
    @click.option("--prenom", required=True, help="Prénom de l'agent.")
    @click.option("--departement", "departements", multiple=True, required=True,
                  help="Département de la préfecture (59, 2A, 974…) ; à répéter pour plusieurs préfectures.")
    @click.option("--generer-mot-de-passe", "generer", is_flag=True,
                  help="Génère le mot de passe et l'affiche une seule fois (sinon il est demandé).")
    def agent_creer(email: str, nom: str, prenom: str, departements: tuple[str, ...], generer: bool) -> None:
        """Crée le compte d'un agent de préfecture (F-30), rattaché à un ou plusieurs départements."""
        mot_de_passe = agents.generer_mot_de_passe() if generer else click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmation du mot de passe")
        try:
            agent = agents.creer(db.session, email, nom, prenom, list(departements), mot_de_passe)
            db.session.commit()
        except agents.AgentInvalide as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from err
        click.echo(f"Agent créé : {agent.nom_complet} <{agent.email}>, préfecture(s) du département "
                   f"{', '.join(sorted(agent.departements))}. Page de connexion : /agent/connexion")
        if generer:
            click.echo(f"Mot de passe (affiché une seule fois, à transmettre à l'agent) : {mot_de_passe}")
