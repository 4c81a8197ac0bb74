"""The process files checked against the contract (contrat.py) and the code: every problem at once, in French.

Run at start (the app refuses to start with the list) and by `flask processus verifier [FICHIERS…]`. Each problem
names the file, the element's label and id, what is wrong and what is expected.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import contrat, dialecte, liste_autorisee
from . import expressions_lues as ex
from .expressions import EXPRESSION_GLOBALS
from .lecture import Modele, Noeud, TableDecision, lire
from .specs import ProcessBundle, ProcessDefinitionError, parse_bundle
from .textes_du_processus import textes

GABARITS = Path(__file__).resolve().parents[1] / "templates"


@dataclass(frozen=True)
class Probleme:
    """One thing the code cannot live with, said for the analyst who will fix it."""

    fichier: str
    element: str
    libelle: str
    message: str

    def __str__(self) -> str:
        qui = f"« {self.libelle} » ({self.element})" if self.libelle else self.element
        return f"{self.fichier} — {qui} : {self.message}"


def rapport(problemes: list[Probleme]) -> str:
    n = len(problemes)
    titre = (f"Les fichiers du processus ne respectent pas le contrat avec le code ({n} problème"
             f"{'s' if n > 1 else ''}) :")
    return titre + "".join(f"\n- {p}" for p in problemes)


class ProcessusRefuse(ProcessDefinitionError):
    """Process files the code cannot run: the whole list of problems; its message is the readable report."""

    def __init__(self, problemes: list[Probleme]) -> None:
        self.problemes = problemes
        texte = rapport(problemes)
        Exception.__init__(self, texte)
        self.file, self.element, self.message = problemes[0].fichier, problemes[0].element, texte

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Code:
    """What the code offers the process: form modules by key, service handlers by operator, the templates."""

    formulaires: Mapping[str, Any]
    traitements: Mapping[str, Callable[..., Any]]
    gabarits: Path = GABARITS
    incomplets: tuple[str, ...] = ()  # modules of app/forms defining only one of build() and values()


def parametres(traitement: Callable[..., Any]) -> dict[str, bool] | None:
    """The parameters a handler takes after its context: name → required. None if it takes any (**kwargs)."""
    signature = list(inspect.signature(traitement).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature):
        return None
    return {p.name: p.default is inspect.Parameter.empty for p in signature
            if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}


def verifier(files: dict[str, str], code: Code, process_id: str = contrat.PROCESSUS,
             version_enregistree: bool = False) -> tuple[ProcessBundle | None, list[Probleme]]:
    """Every problem of the files; and the parsed bundle when SpiffWorkflow could read them.

    The files are read as the engine reads them: translated from the modelers' dialect first (dialecte.py), whose
    refusals are problems of the list too. A stored version (`version_enregistree`: applications started with it
    go on with it) is checked for what the code needs to run it, not for the texts pages read from the diagram
    (textes_du_processus.py), which older versions may lack: refusing those would put every such application in
    incident.
    """
    traduits, refus = {}, []
    for nom, texte in files.items():
        traduits[nom], refus_du_fichier = dialecte.traduire(nom, texte)
        refus += refus_du_fichier
    modele = lire(traduits)
    problemes = [Probleme(r.fichier, r.element, "", r.message) for r in refus]
    deja_dits = {ident for r in refus for ident in re.findall(r"\(([^()\s]+)\)", r.element)}
    problemes += _Verification(modele, code, process_id, deja_dits).problemes()
    problemes += liste_autorisee.problemes(traduits)  # no script, expressions from the allow-list (F-45)
    if modele.illisibles:
        return None, problemes
    try:
        bundle = parse_bundle(files, process_id)
    except ProcessDefinitionError as err:
        # Our own checks usually explain why SpiffWorkflow stopped (same element): say it once.
        if not any(err.element == p.element or f"({err.element})" in p.message for p in problemes):
            problemes.append(Probleme(err.file, err.element, modele.libelle(err.element),
                                      f"SpiffWorkflow ne peut pas lire ce fichier : {err.message}"))
        return None, problemes
    if not version_enregistree:  # what pages, mails and the history read from the diagram (steps, durations…)
        for err in textes(bundle).problemes(delais=[d.id for d in contrat.DELAIS]):
            problemes.append(Probleme(err.file, err.element, "", err.message))
    return bundle, problemes


def charger(files: dict[str, str], code: Code, process_id: str = contrat.PROCESSUS,
            version_enregistree: bool = False) -> ProcessBundle:
    """The parsed bundle of files that honour the contract, else ProcessusRefuse with every problem."""
    bundle, problemes = verifier(files, code, process_id, version_enregistree)
    if problemes or bundle is None:
        raise ProcessusRefuse(problemes)
    return bundle


def _liste(valeurs: Any) -> str:
    valeurs = sorted(valeurs)
    return ", ".join(f"« {v} »" for v in valeurs) if valeurs else "(aucun)"


class _Verification:
    def __init__(self, modele: Modele, code: Code, process_id: str, deja_dits: set[str]) -> None:
        self.modele, self.code, self.process_id = modele, code, process_id
        self.deja_dits = deja_dits  # ids whose text the dialect refused: said once, by the dialect
        self.liste: list[Probleme] = []
        self.sorties_manquantes: set[str] = set()
        # A user task whose form is in doubt: what forms give the process is uncertain, so the data checks count
        # every declared form as given rather than list the consequences of the one problem already said.
        self.formulaires_douteux = False
        self.fichier_bpmn = next((f for f, _ in modele.processus.values()), "bpmn/")
        if process_id in modele.processus:
            self.fichier_bpmn = modele.processus[process_id][0]
        dmn = sorted({t.fichier for t in modele.decisions.values()})
        self.dossier_dmn = dmn[0].rsplit("/", 1)[0] + "/" if dmn and "/" in dmn[0] else "dmn/"

    # --- reporting ------------------------------------------------------------------------------------------------

    def ajouter(self, fichier: str, element: str, libelle: str, message: str) -> None:
        self.liste.append(Probleme(fichier, element, libelle, message))

    def sur(self, noeud: Noeud, message: str) -> None:
        self.ajouter(noeud.fichier, noeud.id, noeud.nom, message)

    def problemes(self) -> list[Probleme]:
        if self.modele.illisibles:
            for fichier, ligne, message in self.modele.illisibles:
                self.ajouter(fichier, f"ligne {ligne}", "", f"XML mal formé : {message}. Attendu : le fichier tel "
                                                            "que l'enregistre un modeleur BPMN/DMN.")
            return self.liste
        self.processus()
        self.elements()
        self.messages()
        self.delais()
        self.decisions()
        self.taches_utilisateur()
        self.taches_de_service()
        self.passerelles()
        self.expressions()
        self.donnees_lues()
        self.code_du_contrat()
        return self.liste

    # --- what the code names --------------------------------------------------------------------------------------

    def processus(self) -> None:
        if self.process_id not in self.modele.processus:
            self.ajouter(self.fichier_bpmn, self.process_id, "", (
                f"processus introuvable : le code démarre le processus d'id « {self.process_id} ». Processus "
                f"présents : {_liste(self.modele.processus)}. Attendu : un processus (bpmn:process) de cet id."))

    def elements(self) -> None:
        declares = {e.id for e in contrat.ELEMENTS}
        for attendu in contrat.ELEMENTS:
            noeud = self.modele.noeud(attendu.id)
            if noeud is None:
                autres = [n for n in self.modele.de_type(attendu.type) if n.premier_niveau and n.id not in declares]
                piste = ""
                if autres:
                    piste = " Éléments de ce type présents : " + ", ".join(
                        f"« {n.nom} » ({n.id})" if n.nom else n.id for n in autres) + " — si l'un d'eux a été " \
                        f"renommé, rendez-lui l'id « {attendu.id} »."
                self.ajouter(self.fichier_bpmn, attendu.id, "", (
                    f"{attendu.type_libelle} introuvable ; le code s'en sert : {attendu.role}. Attendu : un "
                    f"{attendu.type_libelle} d'id « {attendu.id} » au premier niveau du processus.{piste}"))
            elif noeud.type != attendu.type:
                self.sur(noeud, f"c'est un(e) {contrat.TYPES.get(noeud.type, noeud.type)} ; le code attend un "
                                f"{attendu.type_libelle} d'id « {attendu.id} » ({attendu.role}).")
            elif not noeud.premier_niveau:
                self.sur(noeud, f"est dans le sous-processus « {self.modele.libelle(noeud.parent)} » "
                                f"({noeud.parent}) ; le code l'attend au premier niveau du processus "
                                f"({attendu.role}).")

    def messages(self) -> None:
        for noeud in self.modele.noeuds:
            if noeud.message is not None and noeud.message not in self.modele.messages:
                self.sur(noeud, f"référence le message « {noeud.message} », qui n'est défini nulle part. Attendu : "
                                f"l'id d'un message du fichier ({_liste(self.modele.messages)}).")
        for attendu in contrat.MESSAGES:
            refs = {i for i, (_, nom) in self.modele.messages.items() if nom == attendu.nom}
            ou = ""
            if attendu.attache_a:
                ou = f" à « {self.modele.libelle(attendu.attache_a)} » ({attendu.attache_a})"
            if not refs:
                noms = {nom for _, nom in self.modele.messages.values()} - {m.nom for m in contrat.MESSAGES}
                self.ajouter(self.fichier_bpmn, attendu.nom, "", (
                    f"message introuvable : le code envoie le message nommé « {attendu.nom} » ({attendu.role}). "
                    f"Autres messages présents : {_liste(noms)}. Attendu : un message (bpmn:message) de nom "
                    f"« {attendu.nom} », attendu par un {contrat.TYPES[attendu.attrape_par]}{ou}."))
                continue
            attrape = [n for n in self.modele.de_type(attendu.attrape_par) if n.message in refs
                       and (attendu.attache_a is None or n.attache_a == attendu.attache_a)]
            if not attrape and (attendu.attache_a is None or self.modele.noeud(attendu.attache_a) is not None):
                self.ajouter(self.fichier_bpmn, attendu.nom, "", (
                    f"aucun {contrat.TYPES[attendu.attrape_par]}{ou} n'attend ce message : le code l'envoie "
                    f"({attendu.role}) et il serait refusé. Attendu : un {contrat.TYPES[attendu.attrape_par]} de "
                    f"type message{ou}, qui référence le message « {attendu.nom} »."))

    def delais(self) -> None:
        for attendu in contrat.DELAIS:
            noeud = self.modele.noeud(attendu.id)
            if noeud is None:
                autres = [f"« {n.nom} » ({n.id})" for n in self.modele.noeuds if n.timer
                          and n.id not in {d.id for d in contrat.DELAIS}]
                piste = f" Délais présents : {', '.join(autres)}." if autres else ""
                self.ajouter(self.fichier_bpmn, attendu.id, "", (
                    f"délai introuvable ; le code s'en sert : {attendu.role}. Attendu : un événement temporisé "
                    f"(timer) d'id « {attendu.id} » avec une durée.{piste}"))
            elif noeud.timer is None:
                self.sur(noeud, f"n'est pas un événement temporisé (timer) ; le code y lit l'{attendu.role}.")
            elif noeud.timer[0] != "timeDuration":
                self.sur(noeud, f"le délai est une date ou un cycle ; le code y lit l'{attendu.role}. Attendu : "
                                "une durée (type « Duration » dans le modeleur), par exemple P30D.")
        for noeud in self.modele.noeuds:
            if noeud.timer is not None and not noeud.timer[1]:
                self.sur(noeud, "délai sans valeur. Attendu : une durée ISO 8601, par exemple P30D (30 jours).")

    def decisions(self) -> None:
        for noeud in self.modele.de_type("businessRuleTask"):
            if not noeud.decision:
                self.sur(noeud, "tâche de décision sans décision appelée. Attendu : l'id d'une décision de "
                                f"{self.dossier_dmn} (calledDecisionId) : {_liste(self.modele.decisions)}.")
            elif noeud.decision not in self.modele.decisions:
                self.sur(noeud, f"appelle la décision « {noeud.decision} », qu'aucun fichier DMN ne définit. "
                                f"Attendu : l'une de {_liste(self.modele.decisions)}.")
        for attendu in contrat.DECISIONS:
            table = self.modele.decisions.get(attendu.id)
            if table is None:
                self.ajouter(self.dossier_dmn, attendu.id, "", (
                    f"décision introuvable ; le code s'en sert : {attendu.role}. Décisions présentes : "
                    f"{_liste(self.modele.decisions)}. Attendu : une décision d'id « {attendu.id} »."))
                continue
            for sortie in attendu.sorties:
                if sortie not in table.noms_de_sortie():
                    self.sorties_manquantes.add(sortie.split(".")[0])
                    self.ajouter(table.fichier, table.id, table.nom, (
                        f"la colonne de sortie « {sortie} » manque ; le code la lit : {attendu.role}. Sorties "
                        f"présentes : {_liste(table.noms_de_sortie())}. Attendu : une sortie nommée « {sortie} »."))

    # --- people's tasks and service tasks -------------------------------------------------------------------------

    def taches_utilisateur(self) -> None:
        for noeud in self.modele.de_type("userTask"):
            cle = noeud.proprietes.get("form")
            couloir = noeud.couloir
            if couloir not in contrat.COULOIRS_DE_PERSONNES:
                ici = f"dans le couloir « {couloir} »" if couloir else "hors de tout couloir"
                self.sur(noeud, f"tâche utilisateur {ici} : personne ne tient ce couloir, la tâche ne serait "
                                "proposée à personne. Attendu : la tâche dans l'un des couloirs "
                                f"{_liste(contrat.COULOIRS_DE_PERSONNES)}.")
            possibles = contrat.formulaires_du_couloir(couloir) if couloir in contrat.COULOIRS_DE_PERSONNES \
                else tuple(contrat.FORMULAIRES)
            avant = len(self.liste)
            if not cle:
                self.sur(noeud, "tâche utilisateur sans propriété « form » : le code ne saurait pas quelle page "
                                f"montrer. Attendu : une propriété form valant l'une de {_liste(possibles)}.")
            elif cle not in contrat.FORMULAIRES:
                self.sur(noeud, f"formulaire inconnu « {cle} » (propriété form) : aucune page ne le sert. "
                                f"Attendu : l'un de {_liste(possibles)}.")
            elif couloir in contrat.COULOIRS_DE_PERSONNES and contrat.FORMULAIRES[cle].couloir != couloir:
                formulaire = contrat.FORMULAIRES[cle]
                self.sur(noeud, (
                    f"tâche du couloir « {couloir} » avec le formulaire « {cle} », que seules les pages du couloir "
                    f"« {formulaire.couloir} » servent ({formulaire.page}) : la tâche ne serait jamais proposée. "
                    f"Attendu : un formulaire du couloir « {couloir} » ({_liste(possibles)}), ou la tâche dans "
                    f"le couloir « {formulaire.couloir} »."))
            self.formulaires_douteux |= len(self.liste) > avant

    def taches_de_service(self) -> None:
        for noeud in self.modele.de_type("serviceTask"):
            if not noeud.operateur:
                self.sur(noeud, "tâche de service sans opérateur. Attendu : un opérateur "
                                f"(spiffworkflow:serviceTaskOperator) parmi {_liste(self.code.traitements)}.")
                continue
            traitement = self.code.traitements.get(noeud.operateur)
            if traitement is None:
                self.sur(noeud, f"opérateur de service inconnu « {noeud.operateur} » : aucun module "
                                f"app/tasks/{noeud.operateur}.py. Attendu : l'un de {_liste(self.code.traitements)}.")
                continue
            pris = parametres(traitement)
            if pris is not None:
                for nom in sorted(set(noeud.parametres) - set(pris)):
                    self.sur(noeud, f"paramètre « {nom} » que l'opérateur « {noeud.operateur} » ne prend pas. "
                                    f"Attendu : ses paramètres, {_liste(pris)}.")
                for nom in sorted(n for n, requis in pris.items() if requis and n not in noeud.parametres):
                    self.sur(noeud, f"paramètre obligatoire « {nom} » absent pour l'opérateur "
                                    f"« {noeud.operateur} ». Attendu : un paramètre d'id « {nom} ».")
            for nom, contrainte in contrat.CONTRAINTES.get(noeud.operateur, {}).items():
                if nom in noeud.parametres:
                    self._contrainte(noeud, nom, noeud.parametres[nom], contrainte)

    def _contrainte(self, noeud: Noeud, nom: str, valeur: str, contrainte: contrat.Contrainte) -> None:
        est_litteral, texte = ex.litteral(valeur)
        if ex.arbre(valeur) is None:
            return  # unreadable: said with the expressions
        if not est_litteral or not isinstance(texte, str):
            self.sur(noeud, f"le paramètre « {nom} » vaut « {valeur} », que le code ne peut pas vérifier. "
                            f"Attendu : {contrainte.attendu()}.")
        elif contrainte.gabarit_courriel:
            manquants = [f"mail/{texte}{ext}" for ext in (".txt", ".html")
                         if not (self.code.gabarits / "mail" / f"{texte}{ext}").is_file()]
            if manquants:
                self.sur(noeud, f"modèle de courriel « {texte} » introuvable ({', '.join(manquants)} manquant dans "
                                f"app/templates/). Attendu : {contrainte.attendu()} — "
                                f"{_liste(self._modeles_de_courriel())}.")
        elif texte not in contrainte.valeurs and not (texte == "" and contrainte.vide_permis):
            self.sur(noeud, f"valeur « {texte} » inconnue pour le paramètre « {nom} » de l'opérateur "
                            f"« {noeud.operateur} ». Attendu : {contrainte.attendu()}.")

    def _modeles_de_courriel(self) -> set[str]:
        dossier = self.code.gabarits / "mail"
        return {p.stem for p in dossier.glob("*.txt") if not p.stem.startswith("_")
                and (dossier / f"{p.stem}.html").is_file()}

    # --- gateways -------------------------------------------------------------------------------------------------

    def passerelles(self) -> None:
        for noeud in self.modele.de_type("exclusiveGateway", "inclusiveGateway"):
            sortants = [self.modele.flux[f] for f in noeud.sortants]
            if noeud.defaut and noeud.defaut not in noeud.sortants:
                self.sur(noeud, f"le flux par défaut « {noeud.defaut} » ne sort pas de cette passerelle. Attendu : "
                                f"l'un de ses flux sortants ({_liste(noeud.sortants)}).")
            if len(sortants) == 1 and sortants[0].condition is None:
                continue  # a merge, or a gateway with one way out
            for flux in sortants:
                if flux.condition is None and flux.id != noeud.defaut:
                    self.sur(noeud, f"le flux sortant « {flux.nom or flux.id} » ({flux.id}) n'a pas de condition et "
                                    "n'est pas le flux par défaut. Attendu : une condition sur ce flux, ou en faire "
                                    "le flux par défaut de la passerelle.")
            if noeud.defaut in noeud.sortants:
                continue
            conditions = [f.condition for f in sortants if f.condition]
            if len(conditions) == len(sortants) == 2 and ex.contraires(*conditions):
                continue
            self.sur(noeud, (
                "pas de flux par défaut, et les conditions des flux sortants ("
                + "; ".join(f"« {c} »" for c in conditions) + ") peuvent être toutes fausses : la demande resterait "
                "bloquée sur cette passerelle. Attendu : un flux par défaut (« Default flow » dans le modeleur). "
                "Sans flux par défaut, la seule forme acceptée est celle de deux flux aux conditions visiblement "
                "contraires, comme x == \"a\" et x != \"a\", n < 16 et n >= 16, ou c et not c."))

    # --- expressions and data -------------------------------------------------------------------------------------

    def fournies(self) -> set[str]:
        """Every data key something provides: forms used, decisions, result and message variables, start data."""
        noms = set(contrat.DONNEES_INITIALES) | set(contrat.DONNEES_DU_MOTEUR)
        for noeud in self.modele.noeuds:
            formulaire = contrat.FORMULAIRES.get(noeud.proprietes.get("form", "")) if noeud.type == "userTask" \
                else None
            if formulaire is not None:
                noms.update(formulaire.produit)
        if self.formulaires_douteux:
            noms.update(d for f in contrat.FORMULAIRES.values() for d in f.produit)
        for noeud in self.modele.noeuds:
            noms.update(n for n in (noeud.resultat, noeud.variable_message) if n)
        for table in self.modele.decisions.values():
            noms.update(table.donnees_produites())
        return noms

    def expressions(self) -> None:
        connus = self.fournies() | set(EXPRESSION_GLOBALS) | ex.NOMS_PYTHON
        for noeud in self.modele.noeuds:
            for flux in (self.modele.flux[f] for f in noeud.sortants):
                if flux.condition is not None and flux.id not in self.deja_dits:
                    self._expression(noeud, f"la condition du flux « {flux.nom or flux.id} » ({flux.id})",
                                     flux.condition, connus)
            if noeud.id in self.deja_dits:
                continue
            if noeud.boucle is not None:
                self._expression(noeud, "la condition de boucle", noeud.boucle, connus)
            for nom, valeur in noeud.parametres.items():
                self._expression(noeud, f"la valeur du paramètre « {nom} »", valeur, connus)
            if noeud.timer and noeud.timer[1]:
                self._expression(noeud, "la durée du délai", noeud.timer[1], connus)
        for table in self.modele.decisions.values():
            self._table(table, connus)

    def _expression(self, noeud: Noeud, quoi: str, texte: str, connus: set[str]) -> None:
        if not texte.strip():
            self.sur(noeud, f"{quoi} est vide. Attendu : une expression Python.")
            return
        tree = ex.arbre(texte)
        if tree is None:
            self.sur(noeud, f"{quoi} est illisible : « {texte} » ({ex.erreur_de_syntaxe(texte)}). Attendu : une "
                            "expression Python, par exemple suite == \"complement\".")
            return
        self._noms(noeud.fichier, noeud.id, noeud.nom, quoi, texte, ex.noms_lus(tree), connus)

    def _noms(self, fichier: str, element: str, libelle: str, quoi: str, texte: str, noms: set[str],
              connus: set[str]) -> None:
        for nom in sorted(noms - connus):
            self.ajouter(fichier, element, libelle, (
                f"{quoi} (« {texte} ») utilise « {nom} », qu'aucune tâche, décision ni donnée du processus ne "
                "fournit. Attendu : une donnée d'un formulaire, une sortie de décision, une variable de résultat "
                "ou une donnée de départ (voir flask processus catalogue), ou une valeur entre guillemets."))

    def _table(self, table: TableDecision, connus: set[str]) -> None:
        for colonne in table.entrees if table.id not in self.deja_dits else ():
            quoi = f"l'expression de l'entrée « {colonne.libelle or colonne.id} »"
            if not colonne.expression:
                self.ajouter(table.fichier, colonne.id, colonne.libelle, "entrée sans expression. Attendu : "
                                                                        "l'expression de la donnée comparée.")
            elif (tree := ex.arbre(colonne.expression)) is None:
                self.ajouter(table.fichier, colonne.id, colonne.libelle, (
                    f"{quoi} est illisible : « {colonne.expression} » ({ex.erreur_de_syntaxe(colonne.expression)})."
                    " Attendu : une expression Python, par exemple age_au(date_naissance, date_du_jour)."))
            else:
                self._noms(table.fichier, colonne.id, colonne.libelle, quoi, colonne.expression, ex.noms_lus(tree),
                           connus)
        for regle in table.regles:
            if regle.id in self.deja_dits:
                continue
            element, libelle = regle.id, f"règle {regle.numero} de « {table.nom or table.id} »"
            for (_, texte), colonne in zip(regle.entrees, table.entrees, strict=False):
                if texte in ("", "-"):
                    continue
                quoi = f"la condition sur « {colonne.libelle or colonne.id} »"
                tree, erreur = ex.cellule_dmn(texte)
                if tree is None:
                    self.ajouter(table.fichier, element, libelle, (
                        f"{quoi} est illisible : « {texte} » ({erreur}). Attendu : une valeur (\"CAS_1\", 16, True), "
                        "une comparaison (< 16, >= 18) ou un encadrement (16 <= ? < 18)."))
                else:
                    self._noms(table.fichier, element, libelle, quoi, texte, ex.noms_lus(tree), connus)
            for (_, texte), colonne in zip(regle.sorties, table.sorties, strict=False):
                if not texte:
                    continue
                quoi = f"la sortie « {colonne.expression or colonne.libelle} »"
                if (tree := ex.arbre(texte)) is None:
                    self.ajouter(table.fichier, element, libelle, (
                        f"{quoi} est illisible : « {texte} » ({ex.erreur_de_syntaxe(texte)}). Attendu : une valeur "
                        "Python : un texte entre guillemets, un nombre, True ou False."))
                else:
                    self._noms(table.fichier, element, libelle, quoi, texte, ex.noms_lus(tree), connus)

    def donnees_lues(self) -> None:
        fournies = self.fournies()
        for cle, donnee in contrat.DONNEES_LUES.items():
            if cle in fournies or cle in self.sorties_manquantes:  # already said about the decision
                continue
            self.ajouter(self.fichier_bpmn, cle, "", (
                f"le code lit la donnée « {cle} » ({donnee.lecteurs}), mais aucune tâche, décision ni donnée du "
                "processus ne la fournit. Attendu : une sortie de décision, une variable de résultat "
                "(resultVariable) ou un formulaire qui la produit."))

    # --- the code against its own contract ------------------------------------------------------------------------

    def code_du_contrat(self) -> None:
        for cle, formulaire in contrat.FORMULAIRES.items():
            if cle not in self.code.formulaires:
                self.ajouter(f"app/forms/{cle}.py", cle, "", (
                    "le contrat déclare ce formulaire, mais le module manque ou ne définit pas build() et values(). "
                    f"Attendu : app/forms/{cle}.py avec ces deux fonctions."))
            if not (self.code.gabarits / formulaire.gabarit).is_file():
                self.ajouter(f"app/templates/{formulaire.gabarit}", cle, "", (
                    "gabarit du formulaire introuvable. Attendu : ce fichier, qui affiche le formulaire."))
        for cle in self.code.incomplets:
            self.ajouter(f"app/forms/{cle}.py", cle, "", (
                "module de formulaire incomplet. Attendu : les deux fonctions build(data, formdata) et values(form)."))
        for cle in sorted(set(self.code.formulaires) - set(contrat.FORMULAIRES)):
            self.ajouter(f"app/forms/{cle}.py", cle, "", (
                "formulaire absent du contrat : aucune page ne sait le servir. Attendu : sa déclaration dans "
                "app/workflow/contrat.py (couloir, gabarit, données produites)."))
        modeles = self._modeles_de_courriel()
        for nature, declaration in contrat.NATURES.items():
            if declaration.courriel not in modeles:
                self.ajouter("app/templates/mail/", nature, "", (
                    f"le modèle de courriel « {declaration.courriel} » de cette nature de notification manque. "
                    f"Attendu : mail/{declaration.courriel}.txt et .html."))
