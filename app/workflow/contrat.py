"""The contract between the process files (bpmn/, dmn/) and the code: everything Python expects of them.

An analyst changes the diagrams freely except what is declared here: the code names these ids, messages, timers,
decision outputs and data keys, and serves these forms. `flask processus verifier` and the start-up check compare
the files with this module (app/workflow/verification.py); `flask processus catalogue` prints it for analysts.
Python elsewhere refers to these constants, never to the ids themselves.

Pure declarations: no SpiffWorkflow, no Flask, importable from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

PROCESSUS = "demande_titre_sejour_ase"

# --- Lanes: who does the user tasks of each lane ------------------------------------------------------------------

USAGER, AGENT, SYSTEME = "Usager", "Agent", "Système"
COULOIRS: dict[str, str] = {
    USAGER: "l'usager, dans sa démarche (pages des étapes) et ses notifications",
    AGENT: "l'agent de préfecture, dans l'espace agent",
    SYSTEME: "personne : tâches de service et événements seulement",
}
COULOIRS_DE_PERSONNES = (USAGER, AGENT)


# --- Elements whose id the code names -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """A BPMN element the code names by its id (a state an application can be in, mostly)."""

    id: str
    type: str  # BPMN tag, e.g. subProcess, endEvent
    role: str  # what the code does with it, in French, for messages and the catalogue

    @property
    def type_libelle(self) -> str:
        return TYPES.get(self.type, self.type)


TYPES = {
    "subProcess": "sous-processus",
    "endEvent": "événement de fin",
    "userTask": "tâche utilisateur",
    "serviceTask": "tâche de service",
    "businessRuleTask": "tâche de décision (DMN)",
    "boundaryEvent": "événement attaché",
    "intermediateCatchEvent": "événement intermédiaire",
    "exclusiveGateway": "passerelle exclusive",
    "startEvent": "événement de début",
    "process": "processus",
}

BROUILLON = Element("brouillon", "subProcess",
                    "tant que la demande y est, c'est un brouillon : l'usager remplit les étapes de sa démarche "
                    "(« Je continue » reprend le brouillon en cours)")
DEMANDE_ABANDONNEE = Element("demande_abandonnee", "endEvent",
                             "fin « abandonnée » : l'usager voit la page « demande abandonnée »")
DEMANDE_CLOTUREE = Element("demande_cloturee", "endEvent",
                           "fin « clôturée » : la réponse à une demande de complément n'est plus acceptée")
# All of them at the first level of the process: an application's state is a first-level element.
ELEMENTS = (BROUILLON, DEMANDE_ABANDONNEE, DEMANDE_CLOTUREE)


# --- Messages and timers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A BPMN message the code sends (matched by the message's name), and the event that must wait for it."""

    nom: str
    attrape_par: str  # BPMN tag of the catching event
    role: str
    attache_a: str | None = None  # for a boundary event: the element it must be attached to


ABANDON = Message("abandon", "boundaryEvent", "« Abandonner la demande », envoyé pendant le brouillon",
                  attache_a=BROUILLON.id)
NOTIFICATION_LUE = Message("notification_lue", "intermediateCatchEvent",
                           "envoyé quand l'usager ouvre la demande de complément (accusé de réception)")
MESSAGES = (ABANDON, NOTIFICATION_LUE)


@dataclass(frozen=True)
class Delai:
    """A timer event the code reads: its due time is shown and swept by the worker."""

    id: str
    role: str


DELAI_REPONSE = Delai("delai_reponse", "échéance de la réponse à une demande de complément, montrée à l'usager et à "
                                       "l'agent (colonne « échéance » de la demande)")
DELAIS = (DELAI_REPONSE,)


# --- Decisions ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A DMN decision the code runs or reads, with the outputs (column names) the code reads."""

    id: str
    sorties: tuple[str, ...]
    role: str


CAS_USAGER = Decision("cas_usager", ("cas", "cas_libelle", "demande_tardive", "motif_non_eligibilite"),
                      "le code la lit ligne par ligne pour la liste des pièces (PDF) ; « cas » et "
                      "« demande_tardive » vont dans la file des agents")
PIECES_JUSTIFICATIVES = Decision(
    "pieces_justificatives",
    ("pieces.code", "pieces.titre", "pieces.rubrique", "pieces.nature", "pieces.obligatoire", "pieces.aide"),
    "pièces de l'étape 3, de l'examen et du complément ; le code la lance pour chaque cas (liste des pièces, PDF)")
ATTESTATIONS = Decision("attestations", ("attestations.code", "attestations.libelle"),
                        "cases à cocher de l'étape 2 (« motif_sejour »)")
ELIGIBILITE = Decision("eligibilite", ("motif_non_eligibilite",),
                       "la page « Demandeur non éligible » montre son motif")
DECISIONS = (CAS_USAGER, PIECES_JUSTIFICATIVES, ATTESTATIONS, ELIGIBILITE)


# --- Forms: the « form » property of a user task ------------------------------------------------------------------


@dataclass(frozen=True)
class Formulaire:
    """A form key: the module app/forms/<cle>.py, the template that shows it, the lane whose pages serve it, and
    the data it gives the process (what the process's expressions may read after it)."""

    cle: str
    couloir: str
    page: str  # the pages that serve it, in French
    gabarit: str  # under app/templates
    produit: tuple[str, ...]


def _etape(cle: str, *produit: str) -> Formulaire:
    return Formulaire(cle, USAGER, "démarche de l'usager (/demandes/<n°>)", f"etapes/{cle}.html", produit)


def _agent(cle: str, *produit: str) -> Formulaire:
    return Formulaire(cle, AGENT, "espace agent (/agent/demandes/<n°>)", f"agent/{cle}.html", produit)


INFORMATIONS_PERSONNELLES = _etape(
    "informations_personnelles", "emancipe", "adresse", "outre_mer", "numero_voie", "voie", "complement",
    "code_postal", "ville", "pays", "code_insee", "telephone")
MOTIF_SEJOUR = _etape("motif_sejour", "date_prise_en_charge_ase", "date_entree_france", "situation_familiale",
                      "date_debut_union", "pays_union", "enfants_a_charge", "attestations_cochees")
DEMANDEUR_NON_ELIGIBLE = _etape("demandeur_non_eligible", "choix_non_eligible")
JUSTIFICATIFS = _etape("justificatifs", "ephoto", "documents")
DEPOT = _etape("depot", "observations")
EXAMINER_DEMANDE = _agent("examiner_demande", "avis_documents", "suite", "message_agent")
DECIDER = _agent("decider", "decision", "titre_debut", "titre_fin", "montant_taxe", "motif_refus")
REPONDRE_COMPLEMENT = Formulaire(
    "repondre_complement", USAGER, "notifications de l'usager (/notifications/<n°>)", "notifications/complement.html",
    ("reponse_complement", "message_usager", "documents", "ephoto", "tour_complement"))
FORMULAIRES: dict[str, Formulaire] = {f.cle: f for f in (
    INFORMATIONS_PERSONNELLES, MOTIF_SEJOUR, DEMANDEUR_NON_ELIGIBLE, JUSTIFICATIFS, DEPOT, EXAMINER_DEMANDE, DECIDER,
    REPONDRE_COMPLEMENT)}


def formulaires_du_couloir(couloir: str) -> tuple[str, ...]:
    """The form keys whose pages belong to `couloir` (the agent's space serves those of « Agent »)."""
    return tuple(cle for cle, f in FORMULAIRES.items() if f.couloir == couloir)


# --- Service operators: constraints on their parameters' values ---------------------------------------------------
# The parameters themselves are the handlers' (app/tasks/<operateur>.py, `handle` signature).


@dataclass(frozen=True)
class Nature:
    """A kind of notification (parameter `nature` of the operator `notifier`)."""

    objet: str  # the notification's subject, shown in « Mes notifications »
    courriel: str  # the mail template (app/templates/mail/<courriel>.txt and .html) that announces it


NATURE_COMPLEMENT, NATURE_DECISION, NATURE_CLOTURE = "demande_complement", "decision", "cloture"
NATURES: dict[str, Nature] = {
    NATURE_COMPLEMENT: Nature("Demande de complément", "notification"),
    NATURE_DECISION: Nature("Notification de décision", "notification"),
    NATURE_CLOTURE: Nature("Clôture de votre demande", "notification"),
}
PIECES_JOINTES = ("confirmation",)  # parameter `piece_jointe` of `envoyer_courriel` (app/tasks/envoyer_courriel.py)


@dataclass(frozen=True)
class Contrainte:
    """What the value of one parameter must be: a quoted literal among `valeurs`, or naming a mail template."""

    valeurs: tuple[str, ...] = ()
    gabarit_courriel: bool = False
    vide_permis: bool = False  # '' means « none » (an optional parameter)

    def attendu(self) -> str:
        if self.gabarit_courriel:
            return "le nom d'un modèle de courriel de app/templates/mail/ (fichiers .txt et .html), entre apostrophes"
        return "l'une de ces valeurs, entre apostrophes : " + ", ".join(f"'{v}'" for v in self.valeurs)


CONTRAINTES: dict[str, dict[str, Contrainte]] = {
    "notifier": {"nature": Contrainte(valeurs=tuple(NATURES))},
    "envoyer_courriel": {"modele": Contrainte(gabarit_courriel=True),
                         "piece_jointe": Contrainte(valeurs=PIECES_JOINTES, vide_permis=True)},
}


# --- Data: what the process starts with, what the engine adds, what the code reads --------------------------------

PLACEMENT = "placement"
# Who the applicant was entrusted to (CESEDA L. 423-22), chosen on « Votre situation actuelle »: the value the decision
# tables read, and how the pages say « prise en charge par … ».
PLACEMENTS: dict[str, str] = {"ase": "l'ASE", "tiers": "le tiers digne de confiance"}
DONNEES_INITIALES: dict[str, str] = {
    "date_naissance": "date de naissance de l'usager (registre des étrangers)",
    "email": "adresse électronique du compte de l'usager",
    PLACEMENT: "à qui l'usager a été confié : " + ", ".join(f"« {k} » ({v})" for k, v in PLACEMENTS.items())
               + " (page « Votre situation actuelle »)",
}
# What a start without it gets: the ASE, the only choice before the tiers digne de confiance was offered.
DONNEES_INITIALES_PAR_DEFAUT: dict[str, str] = {PLACEMENT: "ase"}
DATE_DU_JOUR = "date_du_jour"
DONNEES_DU_MOTEUR: dict[str, str] = {
    DATE_DU_JOUR: "jour où la dernière tâche utilisateur a été validée (donnée par le moteur)",
}


# The case, attestations and pieces a draft was built on, kept by the service task (operator « retenir ») that starts
# the check at deposit; the parameters' names are the keys (F-20).
SITUATION_DU_BROUILLON = "situation_du_brouillon"


@dataclass(frozen=True)
class Donnee:
    """A data key that Python (a view, a handler, a template) reads from the process data."""

    cle: str
    lecteurs: str


DONNEES_LUES: dict[str, Donnee] = {d.cle: d for d in (
    Donnee("cas", "colonne « cas » de la demande (file des agents), pièces justificatives"),
    Donnee("cas_libelle", "page de l'étape 3"),
    Donnee(PLACEMENT, "libellés de la prise en charge (étape 2, récapitulatif, espace agent)"),
    Donnee("demande_tardive", "signalement « demande tardive » dans la file des agents"),
    Donnee("motif_non_eligibilite", "page « Demandeur non éligible »"),
    Donnee("attestations", "cases à cocher de l'étape 2"),
    Donnee("pieces", "étape 3, examen de l'agent, demande de complément, notification"),
    Donnee("documents", "examen de l'agent, réponse au complément"),
    Donnee("ephoto", "étape 3, dépôt"),
    Donnee("avis_documents", "notification de complément, réponse de l'usager"),
    Donnee("message_agent", "notification de complément"),
    Donnee("decision", "notification de décision"),
    Donnee("titre_debut", "attestation de décision favorable, notification de décision"),
    Donnee("titre_fin", "attestation de décision favorable, notification de décision"),
    Donnee("montant_taxe", "attestation de décision favorable"),
    Donnee("motif_refus", "notification de décision"),
    Donnee("code_postal", "numérotation de la demande, adresse des PDF et courriels"),
    Donnee("adresse", "adresse des PDF et courriels"),
    Donnee("ville", "adresse des PDF et courriels"),
    Donnee("attestation", "document joint à la notification de décision, espace agent (résultat de "
                          "« produire_attestation »)"),
    Donnee("notification_complement", "nombre de demandes de complément déjà faites (résultat de « notifier »)"),
    Donnee(SITUATION_DU_BROUILLON, "bandeau « Votre situation a changé » des étapes (comparée à « cas ») ; la reprise "
                                   "du brouillon un autre jour rejoue la vérification qui commence par la tâche "
                                   "dont c'est la variable de résultat (F-20)"),
)}
