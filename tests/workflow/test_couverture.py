"""F-45 path coverage / F-43 one application's path: the flows the recorder finds are exactly those of the diagram's
path (real BPMN and DMN, recorder handlers, a save/load after each step); the command reports a flow no test took."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from app import create_app
from app.workflow import couverture, specs
from app.workflow.lecture import lire
from tests.delais import echoir
from tests.workflow import conftest
from tests.workflow.conftest import BPMN_DIR, DMN_DIR, roundtrip
from tests.workflow.test_instruction import AUJOURDHUI, NE_LE, PLACEMENT, agent, examen, lue

# The diagram read by hand: start → draft (step 1, « non éligible » once, « Modifier ma saisie », eligible, documents,
# deposit) → numbering, PDF, mail → the agent asks a complement → notification read → 30 days without answer → closed.
BROUILLON = ["f_debut_brouillon", "f_b1", "f_b2", "f_b3", "f_b4", "f_age_ok", "f_m1", "f_m2", "f_m3",
             "f_non_eligible", "f_modifier", "f_m_eligible", "f_eligible", "f_b9", "f_b10", "f_b11"]
DEPOT = ["f_v1", "f_v2", "f_v3", "f_v4", "f_situation_inchangee",  # the case checked again at deposit (F-20)
         "f_brouillon_numeroter", "f_numeroter_confirmation", "f_confirmation_mail", "f_vers_examen", "f_examen"]
COMPLEMENT_SANS_REPONSE = ["f_examen_suite", "f_vers_complement", "f_attente_lecture", "f_lue", "f_sans_reponse",
                           "f_cloturee"]


@pytest.fixture
def releve(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> set[str]:
    """The recorder of tests/workflow/conftest.py switched on, into a set of this test only."""
    pris: set[str] = set()
    monkeypatch.setattr(conftest, "COUVERTURE", str(tmp_path / "releve.json"))
    monkeypatch.setattr(conftest, "FLUX_PRIS", pris)
    return pris


def flux_du_diagramme() -> set[str]:
    return set(lire(specs.read_process_files(BPMN_DIR, DMN_DIR)).flux)


@pytest.mark.feature("F-45")
def test_le_releve_d_un_parcours_connu_est_exactement_ses_flux(parcours, valeurs, releve, tmp_path):
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(date(2023, 9, 1)), AUJOURDHUI)  # placed after 16: not eligible
    p.step("demandeur_non_eligible", {}, AUJOURDHUI)  # « Modifier ma saisie »
    p.step("motif_sejour", valeurs.e2(PLACEMENT), AUJOURDHUI)
    p.step("justificatifs", {**valeurs.e3, "documents": {"nationalite": [1], "identite": [2], "domicile": [3]}},
           AUJOURDHUI)
    assert releve == set(BROUILLON) - {"f_b11"}  # not deposited yet
    p.step("depot", valeurs.e4, AUJOURDHUI)
    agent(p, "examiner_demande", examen("complement", {"domicile": "Plus de 6 mois."}))
    lue(p)
    echoir(p.engine, p.wf)
    p.engine.fire_due_timers(p.wf)
    p.wf = roundtrip(p.engine, p.wf)
    assert p.status.etat == "demande_cloturee"

    assert releve == set(BROUILLON + DEPOT + COMPLEMENT_SANS_REPONSE)
    assert releve <= flux_du_diagramme()
    # The path page shows the same: every element passed, nothing current any more.
    chemin = p.engine.parcours(p.wf)
    assert set(chemin.flux) == releve
    assert {"informations_personnelles", "motif_sejour", "demandeur_non_eligible", "justificatifs", "depot",
            "examiner_demande", "attente_lecture", "cloturer_demande", "demande_cloturee"} <= set(chemin.passes)
    assert "decider" not in chemin.passes and chemin.actuels == []

    conftest.ecrire_releve(tmp_path / "releve.json", releve)
    ecrit = json.loads((tmp_path / "releve.json").read_text(encoding="utf-8"))
    assert ecrit["flux"] == sorted(releve)
    assert ecrit["empreinte"] == specs.content_hash(specs.read_process_files(BPMN_DIR, DMN_DIR))


@pytest.mark.feature("F-43")
def test_le_parcours_en_cours_dit_ou_en_est_la_demande(parcours, valeurs):
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    chemin = p.engine.parcours(p.wf)
    assert chemin.actuels == ["motif_sejour"]
    assert {"debut", "brouillon", "informations_personnelles", "cas_usager", "attestations", "gw_age"} <= set(
        chemin.passes)
    assert "motif_sejour" not in chemin.passes and "justificatifs" not in chemin.passes
    assert set(chemin.flux) == {"f_debut_brouillon", "f_b1", "f_b2", "f_b3", "f_b4", "f_age_ok", "f_m1"}

    # « Revenir à l'étape précédente » drops the tasks after step 1 from the tree: the path is what it holds now.
    assert p.back()
    chemin = p.engine.parcours(p.wf)
    assert chemin.actuels == ["informations_personnelles"]
    assert set(chemin.flux) == {"f_debut_brouillon", "f_b1"}


@pytest.mark.feature("F-43")
def test_abandon_le_pas_en_cours_compte_comme_atteint(parcours, valeurs, releve):
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    p.abandon()
    chemin = p.engine.parcours(p.wf)
    assert p.status.etat == "demande_abandonnee"
    assert {"f_debut_brouillon", "f_b1", "f_b4", "f_age_ok", "f_abandon", "f_abandon_fin"} <= set(chemin.flux)
    assert "f_brouillon_numeroter" not in chemin.flux
    assert {"brouillon", "informations_personnelles", "effacer_documents", "demande_abandonnee"} <= set(chemin.passes)
    # The cancelled step 2 left the tree with its iteration: the recorder had seen it at the previous step.
    assert "f_m1" not in chemin.flux
    assert releve == set(chemin.flux) | {"f_m1"}


@pytest.mark.feature("F-45")
def test_la_commande_signale_le_flux_absent_du_releve(tmp_path):
    tous = sorted(flux_du_diagramme())
    # The command reads the relevé and the diagram only: the database is never opened (SQLite in both runs).
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    runner = app.test_cli_runner()

    complet = tmp_path / "complet.json"
    complet.write_text(json.dumps({"empreinte": "", "flux": tous}), encoding="utf-8")
    resultat = runner.invoke(args=["processus", "couverture", "--releve", str(complet)])
    assert resultat.exit_code == 0, resultat.output
    assert f"Total : {len(tous)} flux pris sur {len(tous)}, 0 jamais pris" in resultat.output

    sans = tmp_path / "sans.json"
    sans.write_text(json.dumps({"empreinte": "", "flux": [f for f in tous if f != "f_sans_reponse"]}),
                    encoding="utf-8")
    resultat = runner.invoke(args=["processus", "couverture", "--releve", str(sans)])
    assert resultat.exit_code == 1
    assert "- f_sans_reponse : Délai de réponse expiré → Notifier la clôture" in resultat.output
    assert "1 jamais pris" in resultat.output

    resultat = runner.invoke(args=["processus", "couverture", "--releve", str(tmp_path / "absent.json")])
    assert resultat.exit_code == 2
    assert "make couverture" in resultat.output


def test_un_releve_qui_n_en_est_pas_un_est_refuse(tmp_path):
    chemin = tmp_path / "r.json"
    chemin.write_text('{"flux": "f_b1"}', encoding="utf-8")
    with pytest.raises(couverture.ReleveIllisible, match="liste « flux » attendue"):
        couverture.lire_releve(chemin)
