"""The analysts' decision tables (F-43) and « Essayer la décision » (F-45) through the web: the list of a version's
tables, one table's page (the dmn-js container fed by the version's DMN file, the rules as an HTML table), the form
that tries it (matched rules and outputs, « Aucune règle ne s'applique », French errors), for analysts only.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import VersionProcessus
from app.workflow.specs import content_hash
from tests.conftest import csrf_token
from tests.web.agent_outils import login_agent
from tests.web.analyste_outils import login_analyste
from tests.web.helpers import login
from tests.workflow.test_essai_decision import DMN_ESSAI


@pytest.fixture
def analyste(client: Any) -> Any:
    login_analyste(client)
    return client


def version_courante(app: Any) -> int:
    """The id of the current version's row (created on first use: committed, so that the pages find it)."""
    with app.app_context():
        version_id = app.extensions["demandes"].catalog.current_version(db.session).id
        db.session.commit()
        return version_id


def url_table(app: Any, decision: str = "cas_usager") -> str:
    return f"/analyste/versions/{version_courante(app)}/decisions/{decision}"


def texte(page: str) -> str:
    """The page's text, tags removed and spaces squeezed: what a reader reads."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def essayer(client: Any, url: str, **valeurs: str) -> Any:
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **valeurs})


def titre(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


# --- the list ---------------------------------------------------------------------------------------------------


@pytest.mark.feature("F-43")
def test_liste_des_tables_de_la_version_courante(app, analyste):
    page = analyste.get("/analyste/decisions").get_data(as_text=True)
    lu = texte(page)
    for nom, ident in (("Cas de l'usager", "cas_usager"), ("Attestations sur l'honneur", "attestations"),
                       ("Éligibilité à la téléprocédure", "eligibilite"), ("Pièces justificatives",
                                                                           "pieces_justificatives")):
        assert nom in lu and f'/decisions/{ident}"' in page
    assert "UNIQUE : une seule règle s'applique" in lu and "COLLECT : toutes les règles" in lu
    assert "Âge à la date du jour (années révolues) — age_au(date_naissance, date_du_jour) (integer)" in lu
    assert "Demande après le 19e anniversaire — demande_tardive (boolean)" in lu
    assert "version courante" in lu
    # The link to the menu: this page is the menu's « Tables de décision ».
    assert 'aria-current="page">Tables de décision' in page


@pytest.mark.feature("F-43")
def test_les_tables_d_une_ancienne_version(app, analyste):
    """A version with one more table: its list and its table open from its own URL; the current one stays."""
    courante_id = version_courante(app)
    with app.app_context():
        courante = db.session.get(VersionProcessus, courante_id)
        fichiers = {**courante.fichiers, "dmn/essai.dmn": DMN_ESSAI}
        autre = VersionProcessus(empreinte=content_hash(fichiers), processus=courante.processus, fichiers=fichiers)
        db.session.add(autre)
        db.session.commit()
        autre_id = autre.id
    page = analyste.get(f"/analyste/versions/{autre_id}/decisions").get_data(as_text=True)
    assert "Essai de texte" in texte(page) and "ancienne version" in texte(page)
    assert "Essai de texte" not in texte(analyste.get("/analyste/decisions").get_data(as_text=True))
    courante_page = analyste.get("/analyste/decisions").get_data(as_text=True)
    assert f'href="/analyste/versions/{autre_id}/decisions"' in courante_page
    assert analyste.get(f"/analyste/versions/{autre_id}/decisions/essai_texte").status_code == 200
    # Text typed in a free text field is a string given to the table, never run: `__import__('os')` is a value
    # the table compares with its own cell « "__import__('os')" » (rule 1).
    reponse = essayer(analyste, f"/analyste/versions/{autre_id}/decisions/essai_texte", entree_1="__import__('os')")
    lu = texte(reponse.get_data(as_text=True))
    assert reponse.status_code == 200
    assert "Ville = __import__('os')" in lu
    assert "Règle qui s'applique : n° 1 (« Le texte exact, reçu comme une chaîne »)" in lu


# --- one table -------------------------------------------------------------------------------------------------


@pytest.mark.feature("F-43")
def test_page_d_une_table_dessin_et_regles(app, analyste):
    url = url_table(app)
    page = analyste.get(url).get_data(as_text=True)
    version_id = version_courante(app)
    assert f'data-xml-url="/analyste/versions/{version_id}/fichiers/dmn/cas_usager.dmn"' in page
    assert 'data-decision-id="cas_usager"' in page
    assert "vendor/dmn-js/dmn-viewer.production.min.js" in page and "js/decision.js" in page
    assert "<script>" not in page and "style=" not in page  # the CSP: no inline script nor style
    xml = analyste.get(f"/analyste/versions/{version_id}/fichiers/dmn/cas_usager.dmn")
    assert xml.status_code == 200 and b'<decision id="cas_usager"' in xml.data
    # The rules as an HTML table: number, the file's own cells, annotation.
    regles = re.search(r'<table id="regles".*?</table>', page, re.S).group(0)
    lignes = re.findall(r"<tr.*?</tr>", regles.split("<tbody>")[1], re.S)
    assert len(lignes) == 5
    assert texte(lignes[0]).startswith("1 < 16 - \"MOINS_16\" \"Usager de moins de 16 ans\" False")
    assert texte(lignes[1]) == ('2 16 <= ? < 18 False "CAS_1" "CAS 1 : usager mineur non émancipé" False "" '
                                "Mineur de 16 ou 17 ans non émancipé")
    lu = texte(page)
    assert "Si « Âge à la date du jour (années révolues) »" in lu and "Alors « Cas »" in lu
    assert titre(page).startswith("Table « Cas de l'usager » — version ")


@pytest.mark.feature("F-45")
def test_le_formulaire_a_un_champ_par_entree(app, analyste):
    page = analyste.get(url_table(app)).get_data(as_text=True)
    assert re.search(r'<input class="fr-input" id="entree_1" name="entree_1" value=""\s+type="number"', page)
    assert '<label class="fr-label" for="entree_1">Âge à la date du jour (années révolues)' in page
    options = re.search(r'<select class="fr-select" id="entree_2".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', options) == ["", "oui", "non"]
    attestations = analyste.get(url_table(app, "attestations")).get_data(as_text=True)
    options = re.search(r'<select class="fr-select" id="entree_1".*?</select>', attestations, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', options) == ["", "CAS_1", "CAS_2", "CAS_3", "(autre valeur)"]


@pytest.mark.feature("F-45")
def test_essai_regle_trouvee_et_sorties(app, analyste):
    reponse = essayer(analyste, url_table(app), entree_1="17", entree_2="oui")
    assert reponse.status_code == 200
    page = reponse.get_data(as_text=True)
    lu = texte(page)
    assert "Règle qui s'applique : n° 3 (« Mineur de 16 ou 17 ans émancipé »)." in lu
    sorties = texte(re.search(r'<table id="sorties-essai".*?</table>', page, re.S).group(0))
    assert "3 Mineur de 16 ou 17 ans émancipé CAS_2 CAS 2 : usager mineur émancipé non (vide)" in sorties
    # The values typed stay in the form; the matching row is marked in the rules table.
    assert 'value="17"' in page and '<option value="oui" selected>' in page
    assert re.search(r'<tr class="regle-trouvee">\s*<th scope="row" data-label="Règle">3', page)
    assert 'data-regles-trouvees=\'["cas_usager_r3"]\'' in page


@pytest.mark.feature("F-45")
def test_essai_collect_donne_chaque_regle(app, analyste):
    page = essayer(analyste, url_table(app, "attestations"), entree_1="CAS_2").get_data(as_text=True)
    assert "3 règles s'appliquent : n° 1 (« CAS 1 et CAS 2 »), n° 2 (« CAS 2 et CAS 3 »), n° 3 (« Tous les cas »)." \
        in texte(page)
    autre = essayer(analyste, url_table(app, "attestations"), entree_1="(autre valeur)").get_data(as_text=True)
    assert "Règle qui s'applique : n° 3 (« Tous les cas »)." in texte(autre)


@pytest.mark.feature("F-45")
def test_aucune_regle_ne_s_applique(app, analyste):
    reponse = essayer(analyste, url_table(app), entree_1="17", entree_2="")
    assert reponse.status_code == 200
    assert "Aucune règle ne s'applique" in texte(reponse.get_data(as_text=True))


@pytest.mark.feature("F-45")
def test_erreurs_en_francais_sur_leur_champ(app, analyste):
    reponse = essayer(analyste, url_table(app), entree_1="__import__('os')", entree_2="peut-être")
    assert reponse.status_code == 422
    page = reponse.get_data(as_text=True)
    assert titre(page).startswith("Erreur : Table « Cas de l'usager »")
    resume = texte(re.search(r'<div class="fr-alert fr-alert--error[^>]*id="erreurs">.*?</div>', page, re.S).group(0))
    assert resume == ("La page comporte 2 erreurs Âge à la date du jour (années révolues) : « __import__('os') » "
                      "n'est pas un nombre entier : saisissez par exemple 17 Mineur (+16 ans) émancipé : Choisissez "
                      "Oui, Non ou (vide)")
    assert 'href="#entree_1"' in page and 'href="#entree_2"' in page
    assert 'aria-invalid="true" aria-describedby="entree_1-erreur"' in page
    assert '<p class="fr-error-text" id="entree_1-erreur">' in page
    assert "Résultat de l'essai" not in page


@pytest.mark.feature("F-45")
def test_valeur_vide_que_les_regles_comparent(app, analyste):
    reponse = essayer(analyste, url_table(app), entree_1="", entree_2="non")
    assert reponse.status_code == 422
    lu = texte(reponse.get_data(as_text=True))
    assert "La table n'a pas pu être évaluée avec ces valeurs (règle 1 :" in lu
    assert "Âge à la date du jour (années révolues) : Les règles comparent cette valeur : renseignez-la" in lu


# --- who and what ----------------------------------------------------------------------------------------------


@pytest.mark.feature("F-43")
def test_decision_ou_version_inconnue_404(app, analyste):
    version_id = version_courante(app)
    assert analyste.get(f"/analyste/versions/{version_id}/decisions/n_existe_pas").status_code == 404
    assert analyste.get("/analyste/versions/999999/decisions/cas_usager").status_code == 404
    assert analyste.get("/analyste/versions/999999/decisions").status_code == 404
    page = analyste.get(url_table(app)).get_data(as_text=True)
    assert analyste.post(f"/analyste/versions/{version_id}/decisions/n_existe_pas",
                         data={"csrf_token": csrf_token(page)}).status_code == 404


@pytest.mark.feature("F-43")
def test_reserve_aux_analystes(app, client, demo):
    url = url_table(app)
    anonyme = client.get(url)
    assert anonyme.status_code == 302 and "/analyste/connexion" in anonyme.location
    agent = app.test_client()
    assert login_agent(agent).status_code == 302
    assert agent.get(url).status_code == 403 and agent.get("/analyste/decisions").status_code == 403
    usager = app.test_client()
    assert login(usager, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe).status_code == 302
    assert usager.get(url).status_code == 403 and usager.get("/analyste/decisions").status_code == 403
    # A try without the session's CSRF token is refused.
    login_analyste(client)
    assert client.post(url, data={"entree_1": "17"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(VersionProcessus).where(VersionProcessus.id == 999999)) is None
