"""The agent's review page fits a screen (F-32, F-33, F-34, F-19): an index of the documents with their status at the
top, each document beside its verdict, the previous round's verdicts shown but not pre-selected, unique titles
(« Examen — … », « Décision — … », « Erreur : » first when refused), the error summary at the top of the form, the
actions in one bar, the agent's 404 page leading back to the queue."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from app.extensions import db
from app.models import Demande
from tests.comptes_outils import lisible
from tests.web import fichiers
from tests.web.agent_outils import NORD, codes_examines, decider, demande_id, examiner, lire_et_repondre, login_agent
from tests.web.agent_outils import prendre as prendre_en_charge
from tests.web.helpers import deposit

CODES_CAS_1 = ["ephoto", "nationalite", "identite", "accord_representant", "domicile", "placement_ase",
               "activite_professionnelle", "liens_famille", "insertion"]


@pytest.fixture
def agent(app):
    client = app.test_client()
    assert login_agent(client, NORD).status_code == 302
    return client


@pytest.fixture
def deposee(app, demo) -> int:
    """A CAS 1 application deposited at 59800 Lille (one small image per document); its id."""
    _, confirmation = deposit(app.test_client(), demo["CAS_1"], "CAS_1")
    return demande_id(confirmation)


def _numero(app, ident: int) -> str:
    with app.app_context():
        return db.session.get(Demande, ident).numero


def _titre(page: str) -> str:
    return html_lib.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)).strip()


def _index(page: str) -> dict[str, tuple[str, str, str]]:
    """The index of the documents as read: code → (title, files, verdict), each row linking to its block."""
    bloc = re.search(r'<nav class="fr-mb-3w index-documents" id="index-documents".*?</nav>', page, re.S).group(0)
    lignes = {}
    for code, ligne in re.findall(r'<tr id="index-([a-z_]+)">(.*?)</tr>', bloc, re.S):
        assert f'href="#piece-{code}"' in ligne, code
        cellules = [lisible(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", ligne, re.S)]
        lignes[code] = tuple(cellules)
    return lignes


def _lien_vers_le_champ(page: str, message: str, champ: str) -> None:
    """The summary's link for `message` leads to the field `champ` (its radio group's first radio, or itself)."""
    resume = re.search(r'id="erreurs".*?</div>', page, re.S).group(0)
    cible = re.search(rf'<a href="#([^"]+)">{re.escape(html_lib.escape(message, quote=False))}</a>', resume).group(1)
    assert cible in (champ, f"{champ}-0"), cible
    balise = re.search(rf'<(input|textarea)\b[^>]*\bid="{re.escape(cible)}"[^>]*>', page)
    assert balise and f'name="{champ}"' in balise.group(0), cible


def _coche(page: str, name: str) -> list[str]:
    tags = re.findall(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    return [re.search(r'\bvalue="([^"]*)"', t).group(1) for t in tags if re.search(r"\schecked\b", t)]


@pytest.mark.feature("F-32")
def test_l_index_liste_chaque_document_avec_son_etat(app, agent, deposee):
    # Read-only (not taken yet): every document, its files, « Non examiné »; each block has its anchor.
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    index = _index(page)
    assert list(index) == CODES_CAS_1
    assert index["ephoto"] == ("Photographie d'identité récente", "Numéro ephoto fourni", "Non examiné")
    assert index["nationalite"] == ("Justificatif de nationalité", "1 fichier", "Non examiné")
    for code in CODES_CAS_1:
        assert f'id="piece-{code}"' in page
    # Taken: the same index, each verdict « À examiner ».
    prendre_en_charge(agent, deposee)
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    index = _index(page)
    assert list(index) == CODES_CAS_1 == codes_examines(page)
    assert {verdict for _, _, verdict in index.values()} == {"À examiner"}
    # A refused examination: the index tells what was chosen and where the error is.
    response = examiner(agent, deposee, "complement", {"nationalite": " "}, avis_domicile="")
    assert response.status_code == 422
    index = _index(response.get_data(as_text=True))
    assert index["nationalite"][2] == "Non valide (erreur)"
    assert index["domicile"][2] == "À examiner (erreur)"
    assert index["identite"][2] == "Valide"


@pytest.mark.feature("F-32")
@pytest.mark.feature("F-33")
def test_nouveau_tour_avis_precedents_montres_mais_pas_preselectionnes(app, agent, deposee):
    prendre_en_charge(agent, deposee)
    assert examiner(agent, deposee, "complement", {"nationalite": "Copie illisible.",
                                                   "identite": "Acte incomplet."}).status_code == 302
    lire_et_repondre(app, deposee, {"nationalite": ("maintenir", "La copie comporte 2 pages."),
                                    "identite": ("mettre_a_jour", fichiers.png(), "acte-complet.png")})
    response = agent.get(f"/agent/demandes/{deposee}")
    page, texte = response.get_data(as_text=True), lisible(response)
    # Read-only beside each verdict: the previous round and the applicant's answer.
    for attendu in (
        "Tour précédent : non valide — « Copie illisible. » "
        "Réponse de l'usager : document maintenu — raison : « La copie comporte 2 pages. »",
        "Tour précédent : non valide — « Acte incomplet. » Réponse de l'usager : document mis à jour",
        "Tour précédent : valide",
    ):
        assert attendu in texte, attendu
    # The new form starts empty: no verdict checked, no observation carried over, no « suite » chosen.
    for code in codes_examines(page):
        assert _coche(page, f"avis_{code}") == [], code
        assert re.search(rf'<textarea[^>]*name="observation_{code}"[^>]*>\s*</textarea>', page), code
    assert _coche(page, "suite") == []
    index = _index(page)
    assert index["identite"] == ("Justificatif d'identité", "1 fichier, mis à jour (complément n° 1)",
                                 "À examiner (tour précédent : non valide)")
    assert index["domicile"][2] == "À examiner (tour précédent : valide)"
    # Submitting at once is refused: every verdict is asked again.
    response = agent.post(f"/agent/demandes/{deposee}", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
        "task_id": re.search(r'name="task_id" value="([^"]+)"', page).group(1), "suite": "complement"})
    assert response.status_code == 422
    assert "Le champ « Avis sur « Justificatif d'identité » » est obligatoire." in lisible(response)


@pytest.mark.feature("F-32")
@pytest.mark.feature("F-34")
@pytest.mark.feature("F-19")
def test_titres_uniques_et_erreur_en_tete(app, agent, deposee):
    numero = _numero(app, deposee)
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    assert _titre(page).startswith(f"Demande n° {numero} — ")

    prendre_en_charge(agent, deposee)
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    assert _titre(page).startswith(f"Examen — Demande n° {numero} — ")
    # One submit button, in the action bar, tied to the form; the « Suite à donner » beside it.
    assert page.count(">Valider l'examen</button>") == 1
    assert re.search(r'<button type="submit" form="examen" class="fr-btn">Valider l\'examen</button>', page)
    assert re.search(r'<input[^>]*form="examen"[^>]*name="suite"|<input[^>]*name="suite"[^>]*form="examen"', page)

    response = examiner(agent, deposee, "complement")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _titre(page).startswith(f"Erreur : Examen — Demande n° {numero} — ")
    # The error summary opens the form, before the index and the documents; its link leads to the « suite ».
    assert page.index('id="erreurs"') < page.index('id="index-documents"') < page.index('id="piece-ephoto"')
    _lien_vers_le_champ(page, "Pour demander un complément, marquez au moins un document « non valide ».", "suite")

    assert examiner(agent, deposee, "decision").status_code == 302
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    assert _titre(page).startswith(f"Décision — Demande n° {numero} — ")
    assert page.count(">Enregistrer la décision</button>") == 1
    assert 'form="form-decision"' in page
    response = decider(agent, deposee, decision="defavorable", motif_refus="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _titre(page).startswith(f"Erreur : Décision — Demande n° {numero} — ")
    # The decision form comes right after the summary: its errors before the documents, not 5,600 px below.
    assert page.index('id="resume"') < page.index('id="erreurs"') < page.index('id="etat-civil"') \
        < page.index('id="documents"')
    _lien_vers_le_champ(page, "Le champ « Motif du refus » est obligatoire.", "motif_refus")
    # The verdicts just given are shown beside each document.
    assert _index(page)["nationalite"][2] == "Valide"


@pytest.mark.feature("F-31")
def test_la_page_404_de_l_agent_mene_a_la_file(app, agent, client):
    response = agent.get("/agent/demandes/999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<a class="fr-btn" href="/agent/demandes">File des demandes</a>' in page
    assert "Retour à l'accueil" not in page
    # Anyone else still goes back to the home page.
    response = client.get("/agent/demandes/999999/inexistant")
    assert response.status_code == 404
    assert "Retour à l'accueil" in lisible(response) and "File des demandes" not in lisible(response)
