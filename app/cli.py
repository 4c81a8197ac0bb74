"""`flask` commands: the register, the demo data."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from . import clock
from .courriels import envoyer_les_courriels_dus
from .extensions import db
from .models import Compte, Personne
from .register import RegisterError, demo_people, import_csv, import_rows


def register(app: Flask) -> None:
    @app.cli.command("courriels-envoyer")
    def courriels_envoyer() -> None:
        """Envoie une fois les courriels dus de la boîte d'envoi (pour cron)."""
        bilan = envoyer_les_courriels_dus(db.session)
        click.echo(f"envoyés : {bilan['envoye']}, à réessayer : {bilan['a_envoyer']}, en échec : {bilan['echec']}")

    @app.cli.command("worker")
    @click.option("--une-fois", is_flag=True, help="Un seul passage, puis s'arrête.")
    def worker(une_fois: bool) -> None:
        """Tâches de fond : envoie les courriels dus, à intervalle régulier (WORKER_INTERVALLE)."""
        arret = {"demande": False}

        def stop(*_: object) -> None:
            arret["demande"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not app.config["SMTP_HOST"]:
            click.echo("Aucun serveur SMTP configuré : les courriels restent dans la boîte d'envoi (/dev/courriels).")
        while not arret["demande"]:
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
        db.session.commit()
