"""Defect 8 of issue 9: numbers typed by a user (ids in URLs, buttons, query strings) never give a 500.

Ids above 2^63 overflowed the database driver, and `str.isdigit()` accepted « ² » or « ٥ » that `int()` then
refused. Every `/…/<int:…>` route of Flask's URL map is tried (so a new route cannot be forgotten) for an anonymous
visitor, an applicant and an agent; then the buttons `aller:…`, `supprimer:…` and the `?page=` of the lists.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.entiers import ID_MAX, IdConverter
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, login_agent
from tests.web.helpers import get_text, login, post_step, text, to_depot, to_step3
from tests.web.instruction import deposee, derniere, examiner, poster

TROP_GRANDS = [str(ID_MAX + 1), str(2**63), str(2**64 + 1), str(10**30), "9" * 100]  # ID_MAX: PostgreSQL's integer
PAS_DES_NOMBRES = ["²", "٣", "５", "-1", "1.5", " 1", "", "9" * 30]
ARGUMENT = re.compile(r"<(?:(?P<conv>\w+)(?:\([^)]*\))?:)?(?P<nom>\w+)>")
EXEMPLES = {"/demandes/<int:demande_id>", "/agent/demandes/<int:demande_id>", "/documents/<int:document_id>",
            "/notifications/<int:notification_id>"}


def routes_a_identifiant(app) -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) of every route with an `<int:…>` part, GET and POST."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IdConverter) for c in rule._converters.values()):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((rule.rule, method, rule.endpoint))
    return routes


def url(rule: str, app, valeur: str) -> str:
    converters = next(r for r in app.url_map.iter_rules() if r.rule == rule)._converters

    def remplacer(m: re.Match) -> str:
        return valeur if isinstance(converters[m.group("nom")], IdConverter) else "x"

    return ARGUMENT.sub(remplacer, rule)


def navigateur(app, demo, role: str) -> tuple[Any, str]:
    """A client logged in as `role`, and a CSRF token of its session (posts then reach routing, not the CSRF)."""
    client = app.test_client()
    if role == "usager":
        assert login(client, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe).status_code == 302
    elif role == "agent":
        assert login_agent(client, NORD).status_code == 302
    page = client.get("/connexion" if role == "anonyme" else "/").get_data(as_text=True)
    return client, csrf_token(page)


def refus_attendu(reponse: Any) -> bool:
    """A French 404 page, or the way to a login page."""
    if reponse.status_code == 404:
        return "Page introuvable" in text(reponse)
    return reponse.status_code == 302 and "connexion" in reponse.location


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("role", ["anonyme", "usager", "agent"])
def test_un_identifiant_au_dela_de_2_63_dans_chaque_url_n_est_jamais_une_erreur(app, demo, role):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an unexpected error is a 500 page
    routes = routes_a_identifiant(app)
    assert EXEMPLES <= {r for r, _, _ in routes}, "the URL map was not read"
    client, jeton = navigateur(app, demo, role)
    echecs = []
    for rule, method, endpoint in routes:
        for valeur in TROP_GRANDS:
            chemin = url(rule, app, valeur)
            reponse = client.open(chemin, method=method, data={"csrf_token": jeton} if method == "POST" else None)
            if not refus_attendu(reponse):
                echecs.append((method, chemin[:80], endpoint, reponse.status_code))
        # The largest id the database holds is looked up, and simply not found.
        chemin = url(rule, app, str(ID_MAX))
        reponse = client.open(chemin, method=method, data={"csrf_token": jeton} if method == "POST" else None)
        if reponse.status_code >= 500:
            echecs.append((method, chemin, endpoint, reponse.status_code))
    assert echecs == []


@pytest.mark.feature("F-48")
def test_le_bouton_modifier_du_recapitulatif_avec_une_etape_qui_n_est_pas_un_nombre(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    url_etape = to_depot(client, demo["CAS_3"], "CAS_3")
    for etape in PAS_DES_NOMBRES:
        reponse = post_step(client, url_etape, action=f"aller:{etape}")
        assert reponse.status_code == 302 and reponse.location.endswith(url_etape), (etape, reponse.status_code)
        assert "Étape 4 sur 5" in get_text(client, url_etape), etape  # nowhere to go: the summary stays
    assert post_step(client, url_etape, action="aller:2").status_code == 302
    assert "Étape 2 sur 5" in get_text(client, url_etape)  # the real button still works


@pytest.mark.feature("F-48")
def test_supprimer_un_fichier_dont_l_identifiant_n_est_pas_un_nombre(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    url_etape = to_step3(client, demo["CAS_3"], "CAS_3")
    for ident in PAS_DES_NOMBRES + TROP_GRANDS:
        reponse = post_step(client, url_etape, action=f"supprimer:{ident}")
        assert reponse.status_code == 302 and reponse.location.endswith(url_etape), (ident, reponse.status_code)
    assert "Étape 3 sur 5" in get_text(client, url_etape)


@pytest.mark.feature("F-48")
def test_supprimer_un_fichier_du_complement_dont_l_identifiant_n_est_pas_un_nombre(app, client, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    demande = deposee(client, demo["CAS_3"])
    examiner(app, demande, {"identite": "Copie partielle de l'acte de naissance."})
    notification = derniere(app, demande, "demande_complement")
    assert client.get(f"/notifications/{notification.id}").status_code == 200
    for ident in PAS_DES_NOMBRES + TROP_GRANDS:
        reponse = poster(client, notification.id, f"supprimer:{ident}")
        assert reponse.status_code == 302 and reponse.location.endswith(f"/notifications/{notification.id}"), (
            ident, reponse.status_code)


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("role, liste", [("usager", "/notifications"), ("agent", "/agent/demandes")])
def test_un_numero_de_page_qui_n_est_pas_un_nombre(app, demo, role, liste):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client, _ = navigateur(app, demo, role)
    for page in PAS_DES_NOMBRES + TROP_GRANDS:
        reponse = client.get(liste, query_string={"page": page})
        assert reponse.status_code == 200, (page, reponse.status_code)
