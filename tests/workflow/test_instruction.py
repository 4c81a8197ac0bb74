"""Instruction through the real BPMN (F-14, F-15, F-16, F-25, F-33): complement rounds with the
« notification lue » message and the 30-day boundary timer, decisions, closure.

The handlers are recorders (tests/workflow/conftest.py); every step is followed by a save/load
round trip. Timers are moved into the past (tests/delais.py), never waited for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.workflow.engine import WorkflowStateError
from tests.delais import echoir
from tests.workflow.conftest import Parcours, roundtrip

pytestmark = [pytest.mark.feature(f) for f in ("F-14", "F-15", "F-16", "F-25", "F-33")]

NE_LE = date(2007, 5, 1)
AUJOURDHUI = date(2024, 6, 1)
PLACEMENT = date(2022, 1, 10)


# --- driving the agent's and the applicant's instruction tasks ------------------------------------------


def deposee(parcours: Any, valeurs: Any) -> Parcours:
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(PLACEMENT), AUJOURDHUI)
    p.step("justificatifs", {**valeurs.e3, "documents": {"nationalite": [1], "identite": [2], "domicile": [3]}},
           AUJOURDHUI)
    p.step("depot", valeurs.e4, AUJOURDHUI)
    assert p.status.etat == "examiner_demande"
    return p


def agent(p: Parcours, form: str, values: dict[str, Any]) -> None:
    """Complete the one READY task of lane « Agent » (nothing is left to the applicant meanwhile)."""
    tasks = p.engine.ready_tasks(p.wf, "Agent")
    assert [t.form for t in tasks] == [form]
    assert p.engine.ready_tasks(p.wf, "Usager") == []
    p.engine.complete(p.wf, tasks[0].id, values, AUJOURDHUI)
    p.wf = roundtrip(p.engine, p.wf)


def examen(suite: str, non_valides: dict[str, str] | None = None, message: str = "") -> dict[str, Any]:
    """Values shaped like app/forms/examiner_demande.py values()."""
    avis = {"nationalite": {"valide": True, "observation": ""}, "identite": {"valide": True, "observation": ""},
            "domicile": {"valide": True, "observation": ""}}
    for code, observation in (non_valides or {}).items():
        avis[code] = {"valide": False, "observation": observation}
    return {"avis_documents": avis, "suite": suite, "message_agent": message}


def favorable(debut: date = date(2024, 6, 2), fin: date = date(2025, 6, 1)) -> dict[str, Any]:
    """Values shaped like app/forms/decider.py values()."""
    return {"decision": "favorable", "titre_debut": debut, "titre_fin": fin, "montant_taxe": 0, "motif_refus": ""}


def defavorable(motif: str) -> dict[str, Any]:
    return {"decision": "defavorable", "titre_debut": None, "titre_fin": None, "montant_taxe": 0,
            "motif_refus": motif}


def lue(p: Parcours, quand: str = "2024-06-03T09:15:00+00:00") -> None:
    """The applicant opens the notification: the message « notification_lue » reaches the process."""
    p.engine.send_message(p.wf, "notification_lue", {"lue_le": quand})
    p.wf = roundtrip(p.engine, p.wf)


def natures(recorders: dict[str, Any]) -> list[str]:
    return [params["nature"] for _, params in recorders["notifier"].calls]


# --- the paths ----------------------------------------------------------------------------------------------


def test_complement_maintien_et_remplacement_puis_decision_favorable(parcours, valeurs, recorders):
    p = deposee(parcours, valeurs)
    agent(p, "examiner_demande", examen("complement", {"nationalite": "Illisible.", "identite": "Copie partielle."},
                                        "Merci de compléter."))
    # The complement is notified, then the process waits for the notification to be opened.
    assert natures(recorders) == ["demande_complement"]
    assert p.status.etat == "attente_lecture"
    assert p.engine.ready_tasks(p.wf) == []
    assert p.engine.timers(p.wf) == {}

    lue(p)
    assert p.workflow_data["accuse_reception"] == {"lue_le": "2024-06-03T09:15:00+00:00"}
    assert p.form == "repondre_complement"
    assert p.status.etat == "repondre_complement"
    # The form sees the documents the agent found not valid.
    assert {c for c, a in p.data["avis_documents"].items() if not a["valide"]} == {"nationalite", "identite"}

    reponse = {"reponse_complement": {
        "nationalite": {"choix": "maintenir", "raison": "La copie comporte 2 pages", "fichiers": []},
        "identite": {"choix": "mettre_a_jour", "raison": "", "fichiers": [7]}},
        "message_usager": "Voici la nouvelle copie.", "documents": {"nationalite": [1], "identite": [7],
                                                                    "domicile": [3]}}
    p.step("repondre_complement", reponse, AUJOURDHUI)
    # The answer goes back to the agent, with what was maintained, replaced and said; no timer is left.
    assert p.status.etat == "examiner_demande"
    assert p.engine.timers(p.wf) == {}
    data = p.workflow_data
    assert data["reponse_complement"]["nationalite"]["raison"] == "La copie comporte 2 pages"
    assert data["documents"]["identite"] == [7]
    assert data["message_usager"] == "Voici la nouvelle copie."

    agent(p, "examiner_demande", examen("decision"))
    agent(p, "decider", favorable())
    assert p.status.termine and p.status.etat == "demande_acceptee"
    assert natures(recorders) == ["demande_complement", "decision"]
    assert len(recorders["produire_attestation"].calls) == 1
    data = p.workflow_data
    assert data["attestation"] == {"sha256": "1" * 64}
    assert (data["titre_debut"], data["titre_fin"]) == (date(2024, 6, 2), date(2025, 6, 1))


def test_sans_reponse_trente_jours_apres_la_lecture_la_demande_est_cloturee(parcours, valeurs, recorders):
    p = deposee(parcours, valeurs)
    agent(p, "examiner_demande", examen("complement", {"domicile": "Plus de 6 mois."}))
    avant = datetime.now(UTC)
    lue(p)
    # The clock started when the notification was read: 30 days, as the BPMN says.
    due = p.engine.timers(p.wf)
    assert set(due) == {"delai_reponse"}
    assert avant + timedelta(days=30) <= due["delai_reponse"] <= datetime.now(UTC) + timedelta(days=30)
    # Not due yet: driving the timers changes nothing.
    p.engine.fire_due_timers(p.wf)
    assert p.form == "repondre_complement"

    assert echoir(p.engine, p.wf) == ["delai_reponse"]
    p.wf = roundtrip(p.engine, p.wf)  # a due timer survives a save
    p.engine.fire_due_timers(p.wf)
    p.wf = roundtrip(p.engine, p.wf)
    assert p.status.termine
    assert (p.status.etat, p.status.etat_libelle) == ("demande_cloturee", "Demande clôturée")
    assert natures(recorders) == ["demande_complement", "cloture"]
    assert p.engine.ready_tasks(p.wf) == [] and p.engine.timers(p.wf) == {}
    # Firing again is harmless (two drivers at once).
    p.engine.fire_due_timers(p.wf)
    assert natures(recorders) == ["demande_complement", "cloture"]


def test_une_notification_jamais_ouverte_ne_fait_pas_partir_le_delai(parcours, valeurs, recorders):
    p = deposee(parcours, valeurs)
    agent(p, "examiner_demande", examen("complement", {"identite": "Copie partielle."}))
    assert p.status.etat == "attente_lecture"
    assert p.engine.timers(p.wf) == {}  # no `delai_reponse`: nothing to write in `echeance`
    assert echoir(p.engine, p.wf) == []  # no timer to move, however late it is
    p.engine.fire_due_timers(p.wf)
    p.wf = roundtrip(p.engine, p.wf)
    assert p.status.etat == "attente_lecture"
    assert natures(recorders) == ["demande_complement"]
    # Only the message « notification_lue » is awaited.
    assert [(e.task_spec.bpmn_id) for e in p.engine.waiting_events(p.wf)] == ["attente_lecture"]


def test_une_reponse_envoyee_apres_l_echeance_perd(parcours, valeurs, recorders):
    p = deposee(parcours, valeurs)
    agent(p, "examiner_demande", examen("complement", {"identite": "Copie partielle."}))
    lue(p)
    tache = p.ready.id
    echoir(p.engine, p.wf)  # due, but no driver has fired it yet
    p.wf = roundtrip(p.engine, p.wf)
    assert p.form == "repondre_complement"  # still shown as READY…

    with pytest.raises(WorkflowStateError):  # …but the answer comes too late
        p.engine.complete(p.wf, tache, {"reponse_complement": {"identite": {"choix": "maintenir", "raison": "x"}},
                                        "message_usager": ""}, AUJOURDHUI)
    assert p.status.etat == "demande_cloturee"
    assert natures(recorders) == ["demande_complement", "cloture"]
    assert "reponse_complement" not in p.engine.workflow_data(p.wf)


def test_deux_tours_de_complement(parcours, valeurs, recorders):
    p = deposee(parcours, valeurs)
    agent(p, "examiner_demande", examen("complement", {"identite": "Copie partielle."}))
    lue(p, "2024-06-03T09:00:00+00:00")
    p.step("repondre_complement", {"reponse_complement": {"identite": {"choix": "mettre_a_jour", "raison": ""}},
                                   "message_usager": ""}, AUJOURDHUI)
    assert p.engine.timers(p.wf) == {}  # the first round's timer is gone with its task

    agent(p, "examiner_demande", examen("complement", {"domicile": "Plus de 6 mois."}))
    assert p.status.etat == "attente_lecture"
    assert p.engine.timers(p.wf) == {}  # the second round waits for its own notification to be read
    lue(p, "2024-06-20T10:00:00+00:00")
    assert p.workflow_data["accuse_reception"] == {"lue_le": "2024-06-20T10:00:00+00:00"}
    assert set(p.engine.timers(p.wf)) == {"delai_reponse"}
    assert {c for c, a in p.data["avis_documents"].items() if not a["valide"]} == {"domicile"}
    p.step("repondre_complement", {"reponse_complement": {"domicile": {"choix": "maintenir", "raison": "Récent."}},
                                   "message_usager": ""}, AUJOURDHUI)

    agent(p, "examiner_demande", examen("decision"))
    agent(p, "decider", favorable())
    assert p.status.etat == "demande_acceptee"
    assert natures(recorders) == ["demande_complement", "demande_complement", "decision"]


def test_le_maximum_de_tours_de_complement_reste_dans_les_limites(parcours, valeurs, recorders):
    """The complement loop is a plain gateway loop: each round deepens the task tree (SPIFFWORKFLOW.md,
    trap 4). The most rounds the process allows (`complements_max` on the agent's task) — far more than any real
    application — must still run and round-trip."""
    from app.workflow.textes_du_processus import COMPLEMENTS_MAX, textes

    p = deposee(parcours, valeurs)
    TOURS_MAX = textes(p.engine.bundle).limite(COMPLEMENTS_MAX)
    for tour in range(TOURS_MAX):
        agent(p, "examiner_demande", examen("complement", {"identite": f"Tour {tour}."}))
        lue(p)
        p.step("repondre_complement", {"reponse_complement": {"identite": {"choix": "maintenir", "raison": "x"}},
                                       "message_usager": ""}, AUJOURDHUI)
    agent(p, "examiner_demande", examen("decision"))
    agent(p, "decider", defavorable("Dossier incomplet."))
    assert p.status.etat == "demande_refusee"
    assert natures(recorders) == ["demande_complement"] * TOURS_MAX + ["decision"]


def test_decision_defavorable(parcours, valeurs, recorders):
    p = deposee(parcours, valeurs)
    agent(p, "examiner_demande", examen("decision"))
    agent(p, "decider", defavorable("Les conditions de l'article L. 423-22 du CESEDA ne sont pas remplies."))
    assert p.status.termine
    assert (p.status.etat, p.status.etat_libelle) == ("demande_refusee", "Demande refusée")
    assert natures(recorders) == ["decision"]
    assert recorders["produire_attestation"].calls == []  # no attestation for a refusal
    assert p.workflow_data["motif_refus"].startswith("Les conditions")


def test_le_message_de_lecture_n_est_accepte_qu_en_attente_de_lecture(parcours, valeurs):
    p = deposee(parcours, valeurs)
    with pytest.raises(WorkflowStateError):  # nothing waits for it before a complement is asked
        p.engine.send_message(p.wf, "notification_lue", {"lue_le": "2024-06-03T09:00:00+00:00"})
    agent(p, "examiner_demande", examen("complement", {"identite": "Copie partielle."}))
    lue(p)
    with pytest.raises(WorkflowStateError):  # a second opening does not restart the clock
        p.engine.send_message(p.wf, "notification_lue", {"lue_le": "2024-06-04T09:00:00+00:00"})
    assert p.workflow_data["accuse_reception"] == {"lue_le": "2024-06-03T09:15:00+00:00"}


@pytest.mark.feature("F-33")
def test_nombre_de_complements_borne_avant_la_limite_du_moteur(parcours, valeurs):
    """Trap 4: the complement loop deepens the task tree; the form stops at the limit the process states on the
    agent's task (property `complements_max`), well before the engine stalls."""
    from werkzeug.datastructures import MultiDict

    from app import create_app
    from app.forms import examiner_demande
    from app.workflow.textes_du_processus import COMPLEMENTS_MAX

    p = deposee(parcours, valeurs)
    tache = next(t for t in p.engine.ready_tasks(p.wf) if t.form == "examiner_demande")
    tours_max = int(tache.proprietes[COMPLEMENTS_MAX])
    # A form validated alone: the database is never opened (in-memory SQLite in both runs).
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    data = {"pieces": [{"code": "identite", "titre": "Justificatif d'identité"}], "documents": {"identite": [1]},
            "notification_complement": {"notification": 9, "tour": tours_max}}
    saisie = MultiDict({"avis_identite": "non_valide", "observation_identite": "flou", "suite": "complement"})
    with app.test_request_context(method="POST"):
        form = examiner_demande.build(data, saisie)
        form.proprietes = tache.proprietes
        assert not form.validate()
        assert form.suite.errors[0].startswith(f"{tours_max} demandes de complément ont déjà été faites")
        data["notification_complement"]["tour"] = tours_max - 1
        form = examiner_demande.build(data, saisie)
        form.proprietes = tache.proprietes
        assert form.validate(), form.errors
