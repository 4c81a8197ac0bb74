"""After a login, `?next=` leads only to a page of this site (F-48): never to another site, never a 500.

The FranceConnect login, whose `next` waits in the session during the trip to the provider, is checked in
test_franceconnect.py with the same payloads.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.web.agent_outils import NORD
from tests.web.helpers import get_text

# Each one, as the browser sends it (already decoded from the query string). Browsers drop tabs and line
# breaks from a URL and read « \\ » as « / »: most of these are « //evil.example », another host.
PIEGES = [
    "//evil.example",
    "///evil.example",
    "/\t/evil.example",
    "/\r\n//evil.example",
    "/\r\nSet-Cookie: x=1",
    "/\x00/evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "//evil.example/%2e%2e",
    "/%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/ /evil.example",
    "/\u2028/evil.example",
    "evil.example",
    "",
]


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("piege", PIEGES, ids=repr)
def test_connexion_usager_ne_renvoie_jamais_ailleurs(client, demo, piege):
    person = demo["CAS_3"]
    page = client.get("/connexion").get_data(as_text=True)
    response = client.post("/connexion", query_string={"next": piege}, data={
        "csrf_token": csrf_token(page), "identifiant": person.numero_etranger, "mot_de_passe": person.mot_de_passe})
    assert response.status_code == 302, response.status_code
    assert response.location == "/"  # logged in, on this site's home page
    assert "Se déconnecter" in get_text(client, "/mes-demandes")


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("piege", PIEGES + ["/agent/\t/x", "/agent/\r\n/x", "/agent/\\evil.example",
                                            "/mes-demandes"], ids=repr)
def test_connexion_agent_ne_renvoie_jamais_ailleurs(client, piege):
    page = client.get("/agent/connexion").get_data(as_text=True)
    response = client.post("/agent/connexion", query_string={"next": piege}, data={
        "csrf_token": csrf_token(page), "email": NORD.email, "mot_de_passe": NORD.mot_de_passe})
    assert response.status_code == 302, response.status_code
    assert response.location == "/agent/demandes"


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("suivant", ["/mes-demandes", "/titre-de-sejour?etape=2&x=%C3%A9t%C3%A9", "/d%C3%A9marche"])
def test_une_page_du_site_reste_la_destination(client, demo, suivant):
    person = demo["CAS_3"]
    page = client.get("/connexion").get_data(as_text=True)
    response = client.post("/connexion", query_string={"next": suivant}, data={
        "csrf_token": csrf_token(page), "identifiant": person.numero_etranger, "mot_de_passe": person.mot_de_passe})
    assert response.status_code == 302 and response.location == suivant


@pytest.mark.feature("F-48")
def test_la_page_agent_demandee_reste_la_destination(client):
    response = client.get("/agent/demandes?tri=nom&page=2")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    response = client.post(response.location, data={"csrf_token": csrf_token(page), "email": NORD.email,
                                                     "mot_de_passe": NORD.mot_de_passe})
    assert response.status_code == 302 and response.location == "/agent/demandes?tri=nom&page=2"
