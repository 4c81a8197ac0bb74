"""The analysts' catalogue: what the code offers and expects of the process, in Markdown, generated from the contract,
the code (form modules, handlers' signatures) and the process files. `flask processus catalogue` prints it."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any

from . import contrat
from .lecture import Modele, Noeud, lire
from .verification import Code, parametres


def _cellule(texte: Any) -> str:
    return str(texte).replace("|", "\\|").replace("\n", " ")


def _table(entetes: list[str], lignes: list[list[Any]]) -> list[str]:
    if not lignes:
        return ["(aucun)", ""]
    sortie = ["| " + " | ".join(entetes) + " |", "|" + "---|" * len(entetes)]
    sortie += ["| " + " | ".join(_cellule(c) for c in ligne) + " |" for ligne in lignes]
    return [*sortie, ""]


def _code(noms: Any) -> str:
    return ", ".join(f"`{n}`" for n in noms) or "(aucune)"


def _qui(noeud: Noeud) -> str:
    return f"« {noeud.nom} » (`{noeud.id}`)" if noeud.nom else f"`{noeud.id}`"


def champs(module: ModuleType) -> list[tuple[str, str, str]]:
    """(name, label, kind) of the fields the module's form classes declare (fields added from the data at run
    time, one per document or attestation, are not listed)."""
    vus: dict[str, tuple[int, str, str, str]] = {}
    for _, classe in inspect.getmembers(module, inspect.isclass):
        if classe.__module__ != module.__name__:
            continue
        for base in classe.__mro__:
            for nom, valeur in vars(base).items():
                if hasattr(valeur, "field_class") and hasattr(valeur, "args") and nom not in vus:
                    libelle = valeur.args[0] if valeur.args else valeur.kwargs.get("label", nom)
                    vus[nom] = (valeur.creation_counter, nom, str(libelle), valeur.field_class.__name__)
    return [(nom, libelle, genre) for _, nom, libelle, genre in sorted(vus.values())]


class _Catalogue:
    def __init__(self, files: dict[str, str], code: Code) -> None:
        self.files, self.code = files, code
        self.modele: Modele = lire(files)
        self.lignes: list[str] = []

    def ecrire(self, *lignes: str) -> None:
        self.lignes.extend(lignes)

    def markdown(self) -> str:
        nom = self.modele.processus.get(contrat.PROCESSUS, ("", contrat.PROCESSUS))[1]
        self.ecrire(
            f"# Catalogue du processus « {nom} »", "",
            "Généré par `flask processus catalogue` à partir du code (`app/workflow/contrat.py`, `app/forms/`, "
            "`app/tasks/`) et des fichiers " + _code(sorted(self.files)) + ". Tout ce qui est listé ici, le code "
            "s'en sert : un id, un nom de message, une sortie de décision ou un paramètre renommé dans un "
            "diagramme doit l'être aussi dans le code. `flask processus verifier` contrôle les fichiers.", "")
        self.couloirs()
        self.formulaires()
        self.operateurs()
        self.decisions()
        self.evenements()
        self.donnees()
        return "\n".join(self.lignes).rstrip() + "\n"

    def utilisateurs(self, predicat: Any) -> str:
        return ", ".join(_qui(n) for n in self.modele.noeuds if predicat(n)) or "aucune tâche des fichiers"

    def couloirs(self) -> None:
        self.ecrire("## Couloirs", "", "Une tâche utilisateur est proposée aux personnes de son couloir "
                    "(une tâche dans un sous-processus prend le couloir du sous-processus).", "")
        self.ecrire(*_table(["Couloir", "Ses tâches utilisateur sont faites par"],
                            [[f"`{c}`", qui] for c, qui in contrat.COULOIRS.items()]))

    def formulaires(self) -> None:
        self.ecrire("## Formulaires (propriété « form » des tâches utilisateur)", "")
        for cle, formulaire in contrat.FORMULAIRES.items():
            module = self.code.formulaires.get(cle)
            self.ecrire(f"### `{cle}`" + ("" if module else " — module app/forms/ manquant"), "",
                        f"- Couloir : `{formulaire.couloir}`, servi par : {formulaire.page}",
                        f"- Gabarit : `app/templates/{formulaire.gabarit}`",
                        "- Tâches qui l'utilisent : " + self.utilisateurs(
                            lambda n, c=cle: n.type == "userTask" and n.proprietes.get("form") == c),
                        f"- Données produites : {_code(formulaire.produit)}", "")
            if module is not None:
                lignes = [[f"`{nom}`", libelle, genre] for nom, libelle, genre in champs(module)]
                if hasattr(module, "form_class"):
                    lignes.append(["…", "un champ de plus par élément donné par les décisions (pièce, attestation)",
                                   ""])
                self.ecrire(*_table(["Champ", "Libellé", "Type"], lignes))

    def operateurs(self) -> None:
        self.ecrire("## Opérateurs (tâches de service)", "",
                    "Les paramètres sont des expressions Python : un texte s'écrit entre apostrophes (`'decision'`).",
                    "")
        for operateur, traitement in sorted(self.code.traitements.items()):
            self.ecrire(f"### `{operateur}` (`app/tasks/{operateur}.py`)", "")
            pris = parametres(traitement)
            contraintes = contrat.CONTRAINTES.get(operateur, {})
            if pris is None:
                self.ecrire("- Paramètres : tous ceux que le diagramme donne")
            elif not pris:
                self.ecrire("- Paramètres : aucun")
            else:
                lignes = [[f"`{nom}`", "oui" if requis else "non",
                           contraintes[nom].attendu() if nom in contraintes else "une expression"]
                          for nom, requis in pris.items()]
                self.ecrire(*_table(["Paramètre", "Obligatoire", "Valeur"], lignes))
            taches = [n for n in self.modele.de_type("serviceTask") if n.operateur == operateur]
            self.ecrire("- Tâches qui l'utilisent : " + (", ".join(
                _qui(n) + (f" → résultat `{n.resultat}`" if n.resultat else "") for n in taches) or "aucune"), "")
        self.ecrire("### Natures de notification (paramètre `nature` de `notifier`)", "")
        self.ecrire(*_table(["Nature", "Objet de la notification", "Modèle de courriel"],
                            [[f"`{n}`", d.objet, f"`mail/{d.courriel}.txt` et `.html`"]
                             for n, d in contrat.NATURES.items()]))

    def decisions(self) -> None:
        self.ecrire("## Décisions (DMN)", "")
        lues = {d.id: d for d in contrat.DECISIONS}
        for ident, table in sorted(self.modele.decisions.items()):
            self.ecrire(f"### `{ident}` — « {table.nom} » (`{table.fichier}`)", "",
                        "- Appelée par : " + self.utilisateurs(lambda n, i=ident: n.decision == i))
            if ident in lues:
                self.ecrire(f"- Le code s'en sert : {lues[ident].role}")
            self.ecrire("", "Entrées :", "", *_table(["Libellé", "Expression"],
                                                     [[c.libelle, f"`{c.expression}`"] for c in table.entrees]))
            attendues = set(lues[ident].sorties) if ident in lues else set()
            self.ecrire("Sorties :", "", *_table(
                ["Nom", "Libellé", "Lue par le code"],
                [[f"`{c.expression}`", c.libelle, "oui" if c.expression in attendues else ""] for c in table.sorties]))

    def evenements(self) -> None:
        self.ecrire("## Messages, délais et éléments dont le code dépend", "", "Messages (envoyés par le code) :", "")
        self.ecrire(*_table(["Message", "Attendu par", "Le code l'envoie"], [
            [f"`{m.nom}`", contrat.TYPES[m.attrape_par] + (f" à `{m.attache_a}`" if m.attache_a else ""),
             m.role] for m in contrat.MESSAGES]))
        self.ecrire("Délais :", "")
        lignes = []
        for delai in contrat.DELAIS:
            noeud = self.modele.noeud(delai.id)
            duree = f"`{noeud.timer[1]}`" if noeud is not None and noeud.timer else "introuvable"
            lignes.append([f"`{delai.id}`", noeud.nom if noeud else "", duree, delai.role])
        self.ecrire(*_table(["Id", "Libellé", "Durée", "Le code s'en sert"], lignes))
        self.ecrire("Éléments :", "")
        self.ecrire(*_table(["Id", "Type", "Libellé", "Le code s'en sert"], [
            [f"`{e.id}`", e.type_libelle, self.modele.libelle(e.id), e.role] for e in contrat.ELEMENTS]))

    def donnees(self) -> None:
        self.ecrire("## Données", "", "Les expressions des diagrammes (conditions, entrées des décisions, "
                    "paramètres) lisent ces données : celles des formulaires (ci-dessus), des sorties de décision, "
                    "des variables de résultat, et celles-ci :", "")
        self.ecrire(*_table(["Donnée", "Origine"],
                            [[f"`{k}`", f"au départ : {v}"] for k, v in contrat.DONNEES_INITIALES.items()]
                            + [[f"`{k}`", v] for k, v in contrat.DONNEES_DU_MOTEUR.items()]))
        self.ecrire("Données lues par le code (un diagramme doit continuer de les fournir) :", "")
        self.ecrire(*_table(["Donnée", "Lue par", "Fournie par"], [
            [f"`{cle}`", d.lecteurs, self.fournisseurs(cle)] for cle, d in contrat.DONNEES_LUES.items()]))

    def fournisseurs(self, cle: str) -> str:
        qui = [f"formulaire `{f.cle}`" for f in contrat.FORMULAIRES.values() if cle in f.produit]
        qui += [f"décision `{t.id}`" for t in self.modele.decisions.values() if cle in t.donnees_produites()]
        qui += [f"résultat de {_qui(n)}" for n in self.modele.noeuds if cle in (n.resultat, n.variable_message)]
        return ", ".join(qui) or "**personne**"


def catalogue(files: dict[str, str], code: Code) -> str:
    """The catalogue of the process files `files` (name → text) for the code `code`, in Markdown."""
    return _Catalogue(files, code).markdown()
