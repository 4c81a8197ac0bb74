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
