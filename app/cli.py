"""`flask` commands: the register, the demo data, the worker (timers and mail), the local mail store."""

from __future__ import annotations

import gc
import signal
import time
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from . import agents, analystes, boite_locale, clock, commandes_processus, mots_de_passe, volume
from .confirmations import dessiner_les_confirmations_dues
from .courriels import envoyer_les_courriels_dus
from .extensions import db
from .models import Compte, Personne
from .register import RegisterError, demo_people, import_csv, import_rows
from .timers import LOT, Bilan, declencher_les_delais


def _bilan_delais(bilan: Bilan) -> str:
    texte = f"délais déclenchés : {len(bilan.declenches)}, laissés au passage suivant : {len(bilan.ignores)}"
    return texte + "".join(f"\n  demande {i} en erreur : {e}" for i, e in bilan.erreurs.items())


def _bilan_courriels(bilan: dict[str, int]) -> str:
    return f"envoyés : {bilan['envoye']}, à réessayer : {bilan['a_envoyer']}, en échec : {bilan['echec']}"


def _sans_smtp(app: Flask) -> str:
    return (f"Aucun serveur SMTP configuré (SMTP_HOST) : les courriels sont déposés dans {app.config['MAIL_DOSSIER']}, "
            "lisibles par l'opérateur seul : flask --app app courriels-lister")


def _retrouver(dossier: Path, fichier: str) -> Path:
    for chemin in (Path(fichier), dossier / fichier):
        if chemin.is_file():
            return chemin
    raise click.ClickException(f"Courriel introuvable : {fichier} (ni chemin de fichier, ni nom dans {dossier}).")


def _afficher(chemin: Path) -> str:
    """A stored mail as the operator reads it: the main headers, the text part, the attachments' names."""
    message = boite_locale.lire(chemin)
    lignes = [f"{nom} : {message[entete]}" for nom, entete in
              (("Date", "Date"), ("De", "From"), ("À", "To"), ("Objet", "Subject"), ("Message-ID", "Message-ID"))]
    corps = message.get_body(("plain",))
    lignes += ["", corps.get_content().rstrip() if corps else "(pas de partie texte)"]
    for piece in message.iter_attachments():
        taille = len(piece.get_payload(decode=True) or b"")
        lignes.append(f"Pièce jointe : {piece.get_filename()} ({piece.get_content_type()}, {taille} octets)")
    return "\n".join(lignes)


def register(app: Flask) -> None:
    commandes_processus.register(app)  # flask processus verifier | catalogue
    volume.register(app)  # flask demo-volume: many applications for the queue's benchmark (F-47)

    @app.cli.command("delais-declencher")
    @click.option("--lot", default=LOT, show_default=True, type=click.IntRange(1, 10_000),
                  help="Demandes réservées à la fois (plusieurs commandes ou workers se partagent les délais).")
    def delais_declencher(lot: int) -> None:
        """Déclenche tous les délais échus des demandes (pour cron), par lots, dans ce seul processus : complément
        sans réponse → clôture."""
        gc.freeze()  # the app built: see gunicorn.conf.py's pre_fork
        click.echo(_bilan_delais(declencher_les_delais(db.session, app.extensions["demandes"], lot=lot)))

    @app.cli.command("courriels-envoyer")
    def courriels_envoyer() -> None:
        """Envoie une fois les courriels dus de la boîte d'envoi (pour cron) : par SMTP, ou sans SMTP_HOST dans le
        dossier local des courriels (MAIL_DOSSIER, voir courriels-lister)."""
        click.echo(_bilan_courriels(envoyer_les_courriels_dus(db.session)))

    @app.cli.command("courriels-lister")
    @click.option("--nombre", default=20, show_default=True,
                  help="Nombre de courriels listés, les plus récents (0 : tous).")
    @click.option("--afficher", "fichier", metavar="FICHIER",
                  help="Affiche un courriel : chemin du fichier, ou son nom dans le dossier des courriels.")
    def courriels_lister(nombre: int, fichier: str | None) -> None:
        """Liste les courriels déposés dans le dossier local (MAIL_DOSSIER) quand aucun serveur SMTP n'est
        configuré : date, destinataire, objet, fichier. Réservé à l'opérateur du serveur."""
        dossier = Path(app.config["MAIL_DOSSIER"])
        if fichier:
            click.echo(_afficher(_retrouver(dossier, fichier)))
            return
        courriels = boite_locale.lister(dossier)
        if not courriels:
            click.echo(f"Aucun courriel dans {dossier}.")
            return
        montres = courriels[-nombre:] if nombre > 0 else courriels
        click.echo(f"{len(courriels)} courriel(s) dans {dossier}" +
                   (f", les {len(montres)} plus récents :" if len(montres) < len(courriels) else " :"))
        for courriel in montres:
            date = f"{clock.paris(courriel.date):%d/%m/%Y %H:%M}" if courriel.date else "date inconnue   "
            click.echo(f"{date}  {courriel.destinataire}  « {courriel.sujet} »  {courriel.chemin}")
        click.echo("Pour lire un courriel : flask --app app courriels-lister --afficher FICHIER")

    @app.cli.command("worker")
    @click.option("--une-fois", is_flag=True, help="S'arrête dès qu'il n'y a plus rien à faire.")
    @click.option("--lot", default=LOT, show_default=True, type=click.IntRange(1, 10_000),
                  help="Demandes aux délais échus réservées à la fois.")
    def worker(une_fois: bool, lot: int) -> None:
        """Tâches de fond : dessine les confirmations de dépôt (PDF) en attente, déclenche les délais échus, puis
        envoie les courriels dus, lot après lot tant qu'il y a du travail, puis à intervalle régulier
        (WORKER_INTERVALLE). Plusieurs workers se partagent le travail."""
        gc.freeze()  # the app built: no full collection walks it again (see gunicorn.conf.py's pre_fork)
        arret = {"demande": False}

        def stop(*_: object) -> None:
            arret["demande"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not app.config["SMTP_HOST"]:
            click.echo(_sans_smtp(app))
        while not arret["demande"]:
            occupe = False
            try:  # the deposits' PDFs first: their mails (and their owners' downloads) wait for them
                pdfs = dessiner_les_confirmations_dues(db.session)
                occupe = sum(pdfs.values()) > 0
                if pdfs["dessinees"] or pdfs["en_erreur"]:
                    click.echo(f"confirmations de dépôt dessinées : {pdfs['dessinees']}, en erreur (réessayées "
                               f"après le bail) : {pdfs['en_erreur']}", err=bool(pdfs["en_erreur"]))
            except Exception as err:
                db.session.rollback()
                click.echo(f"erreur du worker (confirmations) : {err}", err=True)
            finally:
                db.session.remove()
            try:  # timers first: the mail of a closure goes out in the same pass
                # One batch, then the mail: neither waits for the other. What did not fire keeps its lease until
                # it runs out (DELAIS_RESERVATION): a failing application is retried after it, not in a loop.
                bilan = declencher_les_delais(db.session, app.extensions["demandes"], lot=lot, lots=1, rendre=False)
                occupe = bilan.lots > 0 or occupe
                if bilan.declenches or bilan.erreurs:
                    click.echo(_bilan_delais(bilan), err=bool(bilan.erreurs))
            except Exception as err:
                db.session.rollback()
                click.echo(f"erreur du worker (délais) : {err}", err=True)
            finally:
                db.session.remove()
            try:
                courriels = envoyer_les_courriels_dus(db.session)
                if courriels["envoye"] or courriels["echec"]:
                    click.echo(_bilan_courriels(courriels))
                occupe = sum(courriels.values()) > 0 or occupe
            except Exception as err:  # the worker must survive a bad row or a database hiccup
                db.session.rollback()
                click.echo(f"erreur du worker : {err}", err=True)
            finally:
                db.session.remove()
            if occupe:
                continue  # more may be due at once: no pause while there is work
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
            compte.mot_de_passe = mots_de_passe.hacher(demo.mot_de_passe)
            click.echo(
                f"  {demo.numero_etranger}  mot de passe {demo.mot_de_passe:<16} {demo.prenoms} {demo.nom} — "
                f"{demo.cas} ; date de prise en charge par l'ASE à saisir : {demo.date_placement:%d/%m/%Y}"
            )
        click.echo("Agents de démonstration (espace agent : /agent/connexion, identifiant = adresse email) :")
        for agent in agents.charger_demo(db.session):
            role = (f"préfecture du département {', '.join(agent.departements)}" if agent.departements else
                    "administrateur : demandes d'un département sans agent et incidents (/agent/administration)")
            click.echo(f"  {agent.email:<30} mot de passe {agent.mot_de_passe:<16} {agent.prenom} {agent.nom} — {role}")
        click.echo("Analyste de démonstration (espace analyste : /analyste/connexion) :")
        for analyste in analystes.charger_demo(db.session):
            nom = f"{analyste.prenom} {analyste.nom}"
            click.echo(f"  {analyste.email:<30} mot de passe {analyste.mot_de_passe:<16} {nom}")
        db.session.commit()

    @app.cli.command("agent-creer")
    @click.argument("email")
    @click.option("--nom", required=True, help="Nom de l'agent.")
    @click.option("--prenom", required=True, help="Prénom de l'agent.")
    @click.option("--departement", "departements", multiple=True,
                  help="Département de la préfecture (59, 2A, 974…) ; à répéter pour plusieurs préfectures "
                       "(facultatif pour un administrateur).")
    @click.option("--administrateur", is_flag=True,
                  help="Administrateur : voit aussi les demandes d'un département sans agent et les incidents "
                       "(/agent/administration).")
    @click.option("--generer-mot-de-passe", "generer", is_flag=True,
                  help="Génère le mot de passe et l'affiche une seule fois (sinon il est demandé).")
    def agent_creer(email: str, nom: str, prenom: str, departements: tuple[str, ...], administrateur: bool,
                    generer: bool) -> None:
        """Crée le compte d'un agent de préfecture (F-30), rattaché à un ou plusieurs départements, ou d'un
        administrateur."""
        if not departements and not administrateur:  # before the password prompt: nothing typed in vain
            raise click.ClickException("Indiquez au moins un département (--departement 59), ou --administrateur.")
        mot_de_passe = agents.generer_mot_de_passe() if generer else click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmation du mot de passe")
        try:
            agent = agents.creer(db.session, email, nom, prenom, list(departements), mot_de_passe, administrateur)
            db.session.commit()
        except agents.AgentInvalide as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from err
        prefectures = (f"préfecture(s) du département {', '.join(sorted(agent.departements))}"
                       if agent.departements else "aucune préfecture")
        role = ", administrateur (/agent/administration)" if agent.administrateur else ""
        click.echo(f"Agent créé : {agent.nom_complet} <{agent.email}>, {prefectures}{role}. "
                   "Page de connexion : /agent/connexion")
        if generer:
            click.echo(f"Mot de passe (affiché une seule fois, à transmettre à l'agent) : {mot_de_passe}")

    @app.cli.command("analyste-creer")
    @click.argument("email")
    @click.option("--nom", required=True, help="Nom de l'analyste.")
    @click.option("--prenom", required=True, help="Prénom de l'analyste.")
    @click.option("--generer-mot-de-passe", "generer", is_flag=True,
                  help="Génère le mot de passe et l'affiche une seule fois (sinon il est demandé).")
    def analyste_creer(email: str, nom: str, prenom: str, generer: bool) -> None:
        """Crée le compte d'un analyste métier (F-45) : diagrammes, décisions, versions du processus ; jamais les
        données personnelles des usagers."""
        mot_de_passe = agents.generer_mot_de_passe() if generer else click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmation du mot de passe")
        try:
            analyste = analystes.creer(db.session, email, nom, prenom, mot_de_passe)
            db.session.commit()
        except analystes.AnalysteInvalide as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from err
        click.echo(f"Analyste créé : {analyste.nom_complet} <{analyste.email}>. "
                   "Page de connexion : /analyste/connexion")
        if generer:
            click.echo(f"Mot de passe (affiché une seule fois, à transmettre à l'analyste) : {mot_de_passe}")
