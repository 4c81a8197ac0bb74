"""`flask processus …`: the contract between the process files and the code, for analysts.

- `flask processus verifier [FICHIERS…]`: every problem of the files at once (bpmn/ and dmn/ by default);
- `flask processus catalogue [--sortie FICHIER]`: what the code offers and expects, in Markdown.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from .workflow.catalogue import catalogue
from .workflow.specs import read_process_files
from .workflow.verification import Code, Probleme, rapport, verifier

SUFFIXES = (".bpmn", ".dmn")


def fichiers_donnes(chemins: tuple[Path, ...]) -> tuple[dict[str, str], list[Probleme]]:
    """The BPMN and DMN files named (a folder stands for its .bpmn and .dmn files), by the path as typed."""
    files: dict[str, str] = {}
    problemes = []
    for chemin in chemins:
        membres = sorted(p for p in chemin.iterdir() if p.suffix in SUFFIXES) if chemin.is_dir() else [chemin]
        for membre in membres:
            if membre.suffix not in SUFFIXES:
                problemes.append(Probleme(str(membre), "fichier", "", "ni .bpmn ni .dmn : fichier ignoré. Attendu : "
                                                                      "des fichiers BPMN (.bpmn) et DMN (.dmn)."))
                continue
            files[str(membre)] = membre.read_text(encoding="utf-8")
    if not any(nom.endswith(".bpmn") for nom in files):
        problemes.append(Probleme(", ".join(str(c) for c in chemins), "fichiers", "",
                                  "aucun fichier BPMN parmi les fichiers donnés. Attendu : au moins un .bpmn."))
    return files, problemes


def register(app: Flask) -> None:
    def fichiers(chemins: tuple[Path, ...]) -> tuple[dict[str, str], list[Probleme]]:
        if chemins:
            return fichiers_donnes(chemins)
        return read_process_files(app.config["BPMN_DIR"], app.config["DMN_DIR"]), []

    def code() -> Code:  # what the running app offers the process (form modules, handlers, templates)
        return app.extensions["demandes"].catalog.code

    @app.cli.group("processus")
    def processus() -> None:
        """Le contrat entre les fichiers de processus (bpmn/, dmn/) et le code."""

    @processus.command("verifier")
    @click.argument("chemins", metavar="[FICHIERS]...", nargs=-1,
                    type=click.Path(exists=True, path_type=Path))
    def verifier_commande(chemins: tuple[Path, ...]) -> None:
        """Vérifie les fichiers de processus contre le contrat avec le code et liste tous les problèmes d'un coup
        (sortie non nulle s'il y en a). Sans FICHIERS : bpmn/ et dmn/ ; sinon les fichiers ou dossiers donnés."""
        files, problemes = fichiers(chemins)
        if not problemes:
            problemes = verifier(files, code())[1]
        if problemes:
            click.echo(rapport(problemes), err=True)
            raise SystemExit(1)
        click.echo(f"Conformes au contrat avec le code : {len(files)} fichier(s) vérifié(s) ({', '.join(files)}).")

    @processus.command("catalogue")
    @click.argument("chemins", metavar="[FICHIERS]...", nargs=-1,
                    type=click.Path(exists=True, path_type=Path))
    @click.option("--sortie", type=click.Path(dir_okay=False, path_type=Path),
                  help="Écrit le catalogue dans ce fichier (Markdown) au lieu de l'afficher.")
    def catalogue_commande(chemins: tuple[Path, ...], sortie: Path | None) -> None:
        """Catalogue pour les analystes, en Markdown : formulaires et leurs champs, données produites, opérateurs et
        leurs paramètres, décisions (entrées, sorties), messages, délais, données lues par le code."""
        files, problemes = fichiers(chemins)
        if problemes:
            click.echo(rapport(problemes), err=True)
            raise SystemExit(1)
        texte = catalogue(files, code())
        if sortie is None:
            click.echo(texte, nl=False)
            return
        sortie.write_text(texte, encoding="utf-8")
        click.echo(f"Catalogue écrit dans {sortie}.")

    @processus.command("couverture")
    @click.option("--releve", type=click.Path(dir_okay=False, path_type=Path),
                  help="Relevé écrit par les tests du processus (COUVERTURE_PROCESSUS=FICHIER) ; "
                       "par défaut COUVERTURE_FICHIER.")
    def couverture_commande(releve: Path | None) -> None:
        """Les flux de séquence qu'aucun test du processus ne prend, par processus des fichiers actuels (F-45) ;
        sortie non nulle s'il y en a. Le relevé se produit avec « make couverture »."""
        from .workflow import couverture
        from .workflow.specs import content_hash

        try:
            lu = couverture.lire_releve(releve or Path(app.config["COUVERTURE_FICHIER"]))
        except couverture.ReleveIllisible as err:
            click.echo(f"Couverture impossible : {err}", err=True)
            raise SystemExit(2) from None
        files = read_process_files(app.config["BPMN_DIR"], app.config["DMN_DIR"])
        resultats = couverture.couverture(files, lu.flux)
        click.echo(couverture.rapport(resultats, lu, content_hash(files)))
        if any(p.non_pris for p in resultats):
            raise SystemExit(1)

    @processus.command("versions")
    def versions_commande() -> None:
        """Les versions du processus : empreinte, dates, origine, fichiers changés, demandes en cours (F-41)."""
        from . import clock, versions
        from .extensions import db

        lignes = versions.lister(db.session, app.extensions["demandes"].catalog)
        entetes = ("N°", "Empreinte", "Vue le", "Activée le", "Origine", "En cours", "Fichiers changés")
        rangs = [(f"{ligne.id}{' *' if ligne.courante else ''}", ligne.court,
                  f"{clock.paris(ligne.creee_le):%d/%m/%Y %H:%M}",
                  f"{clock.paris(ligne.activee_le):%d/%m/%Y %H:%M}" if ligne.activee_le else "—",
                  ligne.origine + (f" ({ligne.publiee_par})" if ligne.publiee_par else ""), str(ligne.en_cours),
                  ligne.changements) for ligne in lignes]
        largeurs = [max(len(str(r[i])) for r in [entetes, *rangs]) for i in range(len(entetes) - 1)]
        for rang in [entetes, *rangs]:
            click.echo("  ".join(str(v).ljust(w) for v, w in zip(rang, largeurs, strict=False)) + "  " + rang[-1])
        click.echo("* : la version que prennent les nouvelles demandes.")

    @processus.command("migrer")
    @click.option("--de", "de_", required=True, metavar="V1", help="Version de départ : numéro ou début d'empreinte.")
    @click.option("--vers", "vers_", required=True, metavar="V2", help="Version d'arrivée, plus récente.")
    @click.option("--simulation", is_flag=True, help="Dit seulement ce qui se passerait : rien n'est modifié.")
    def migrer_commande(de_: str, vers_: str, simulation: bool) -> None:
        """Déplace les demandes en cours de la version V1 vers la version V2 plus récente, celles qui le peuvent
        (tâche en cours présente dans V2, données compatibles) ; rapport par demande (F-44)."""
        from . import clock, versions
        from .extensions import db

        try:
            de = versions.trouver(db.session, de_)
            vers = versions.trouver(db.session, vers_)
            versions.verifier_sens(de, vers)
        except versions.VersionIntrouvable as err:
            click.echo(f"Migration impossible : {err}.", err=True)
            raise SystemExit(2) from None

        def afficher(ligne: versions.LigneMigration) -> None:
            if ligne.deplacee:
                verdict = "déplacée"
            elif ligne.verdict.peut:
                verdict = "peut être déplacée"
            else:
                verdict = "reste en " + de.empreinte[:versions.COURT]
            click.echo(f"- {ligne.libelle} (à « {ligne.element} ») : {verdict}")
            for raison in ligne.verdict.raisons:
                click.echo(f"    · {raison}")

        titre = "Simulation de la migration" if simulation else "Migration"
        click.echo(f"{titre} de la version {de.id} ({de.empreinte[:versions.COURT]}) vers la version {vers.id} "
                   f"({vers.empreinte[:versions.COURT]}) :")
        rapport = versions.migrer(db.session, app.extensions["demandes"], de, vers, "systeme:migration",
                                  clock.today(), simulation, afficher)
        total = len(rapport.lignes)
        if simulation:
            click.echo(f"Total : {total} demande(s) en cours ; {rapport.peuvent} peuvent être déplacées, "
                       f"{total - rapport.peuvent} restent. Rien n'a été modifié (simulation).")
        else:
            click.echo(f"Total : {total} demande(s) en cours ; {rapport.deplacees} déplacée(s), "
                       f"{total - rapport.deplacees} restent, {rapport.erreurs} erreur(s).")
        if not rapport.complet:
            raise SystemExit(1)
