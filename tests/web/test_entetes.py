"""Security headers (issue 9, « Headers »): every response of every route carries a Content-Security-Policy without
inline script, nosniff, a Referrer-Policy and frame-ancestors; the session cookie is HttpOnly, SameSite=Lax, and
Secure over HTTPS. Templates hold no inline script nor event handler attribute (the policy would block them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app import comptes
from app.extensions import db
from app.models import Analyste, BrouillonProcessus, Compte, Demande
from tests.conftest import csrf_token
from tests.web.agent_outils import login_agent
from tests.web.analyste_outils import login_analyste
from tests.web.helpers import login, to_step2
from tests.web.instruction import deposee, derniere, examiner

pytestmark = pytest.mark.feature("F-48")

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
# Not pages: mail bodies (read in mail clients, which ignore CSP) and PDFs (drawn by xhtml2pdf on the server).
HORS_PAGES = {"mail", "pdf"}
REFERRERS_ACCEPTES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
SOURCES_INTERDITES_POUR_SCRIPTS = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:", "blob:"}
# Stored documents (and PDFs kept at deposit) are shown in the agent's review page, in an <iframe>; their error
# pages (404) are pages like any other.
ENCADRABLES = {"demarche.document", "demarche.confirmation_pdf", "agent.document", "agent.attestation",
               "notifications.document"}


def politique(response: Any) -> dict[str, list[str]]:
    entete = response.headers.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for partie in entete.split(";"):
        mots = partie.split()
        if mots:
            directives.setdefault(mots[0].lower(), mots[1:])
    return directives


def defauts_d_entetes(response: Any, endpoint: str) -> list[str]:
    """What an attacker could use in this response's headers (empty list: nothing)."""
    fautes = []
    csp = politique(response)
    if not csp:
        return ["no Content-Security-Policy"]
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        fautes.append("scripts unrestricted (neither script-src nor default-src)")
    elif SOURCES_INTERDITES_POUR_SCRIPTS & set(scripts):
        fautes.append(f"script-src allows {sorted(SOURCES_INTERDITES_POUR_SCRIPTS & set(scripts))}")
    if csp.get("object-src", csp.get("default-src")) != ["'none'"]:
        fautes.append(f"object-src is {csp.get('object-src', csp.get('default-src'))}, not 'none'")
    attendu = ["'self'"] if endpoint in ENCADRABLES and response.status_code == 200 else ["'none'"]
    if csp.get("frame-ancestors") != attendu:
        fautes.append(f"frame-ancestors is {csp.get('frame-ancestors')}, not {attendu}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        fautes.append(f"X-Content-Type-Options is {response.headers.get('X-Content-Type-Options')!r}")
    if response.headers.get("Referrer-Policy") not in REFERRERS_ACCEPTES:
        fautes.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')!r}")
    return fautes


def routes_get(app: Any) -> tuple[list[str], dict[str, str]]:
    """The GET routes: (those without parameters, endpoint → rule of those with parameters)."""
    sans, avec = [], {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        if rule.arguments:
            avec[rule.endpoint] = rule.rule
        else:
            sans.append(rule.rule)
    return sans, avec


def endpoint_de(app: Any, url: str) -> str:
    try:
        return app.url_map.bind("localhost").match(url.split("?")[0], method="GET")[0]
    except NotFound:
        return "(aucune route)"


def cookie_de_session(response: Any) -> dict[str, str | None]:
    """The attributes of the session cookie set by this response (lower-case names)."""
    for entete in response.headers.getlist("Set-Cookie"):
        if entete.startswith("session="):
            attributs: dict[str, str | None] = {}
            for partie in entete.split(";")[1:]:
                nom, _, valeur = partie.strip().partition("=")
                attributs[nom.lower()] = valeur or None
            return attributs
    raise AssertionError(f"no session cookie set: {response.headers.getlist('Set-Cookie')}")


# --- every route, three visitors ----------------------------------------------------------------------------


def _exemples_des_analystes(app: Any, demande_id: int, agent: Any) -> dict[str, list[tuple[Any, str]]]:
    """The process pages (F-43, F-45) of the application's version, for an analyst and for the agent."""
    analyste = app.test_client()
    login_analyste(analyste)
    with app.app_context():
        demande = db.session.get(Demande, demande_id)
        version = demande.version_processus
        brouillon = BrouillonProcessus(analyste_id=db.session.scalar(select(Analyste.id)), base_version_id=version.id,
                                       fichiers=dict(version.fichiers))
        db.session.add(brouillon)
        db.session.commit()
        ids = {"demande_id": demande_id, "version_id": version.id, "element_id": demande.element,
               "decision_id": "cas_usager", "nom": next(n for n in version.fichiers if n.endswith(".bpmn")),
               "brouillon_id": brouillon.id}
    adapter = app.url_map.bind("localhost")

    def url(endpoint: str) -> str:
        regle = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        return adapter.build(endpoint, {arg: ids[arg] for arg in regle.arguments})

    pour_l_agent = ("agent.parcours", "agent.journal_demande_csv", "agent.fichier_processus", "agent.processus_element")
    pour_l_analyste = ("analyste.parcours", "analyste.processus_version", "analyste.version", "analyste.element",
                       "analyste.decisions_version", "analyste.decision", "analyste.fichier_version",
                       "analyste.modeleur_version", "analyste.brouillon", "analyste.brouillon_fichier",
                       "analyste.brouillon_xml")
    return ({e: [(agent, url(e))] for e in pour_l_agent} | {e: [(analyste, url(e))] for e in pour_l_analyste})


def test_chaque_route_get_porte_les_entetes_de_securite(app, demo):
    anonyme, usager, agent = app.test_client(), app.test_client(), app.test_client()
    demande = deposee(usager, demo["CAS_3"])
    examiner(app, demande, {"identite": "Copie partielle de l'acte de naissance."})
    notification = derniere(app, demande, "demande_complement")
    brouillon = to_step2(app.test_client(), demo["CAS_1"], "CAS_1")  # another applicant, at step 2
    assert login_agent(agent).status_code == 302
    page_agent = agent.get(f"/agent/demandes/{demande}").get_data(as_text=True)
    document = int(re.search(r'/agent/documents/(\d+)"', page_agent).group(1))

    # Every GET route with parameters needs an example here: a new route cannot be forgotten.
    exemples = {
        "static": [(anonyme, "/static/css/app.css"), (anonyme, "/static/js/envoi-immediat.js")],
        "demarche.etape": [(usager, f"/demandes/{demande}"), (usager, brouillon)],
        "demarche.document": [(usager, f"/documents/{document}")],
        "demarche.abandonner": [(usager, f"/demandes/{demande}/abandonner")],
        "demarche.abandonnee": [(usager, f"/demandes/{demande}/abandonnee")],
        "demarche.incident": [(usager, f"/demandes/{demande}/incident")],  # no incident: back to the application
        "demarche.confirmation": [(usager, f"/demandes/{demande}/confirmation")],
        "demarche.confirmation_pdf": [(usager, f"/demandes/{demande}/confirmation-de-depot.pdf")],
        "agent.demande": [(agent, f"/agent/demandes/{demande}")],
        "agent.document": [(agent, f"/agent/documents/{document}")],
        "agent.attestation": [(agent, f"/agent/demandes/{demande}/attestation.pdf")],  # none yet: a 404 page
        "notifications.voir": [(usager, f"/notifications/{notification.id}")],
        "notifications.document": [(usager, f"/notifications/{notification.id}/document")],
        **_exemples_des_analystes(app, demande, agent),
    }
    sans_parametre, avec_parametres = routes_get(app)
    assert set(avec_parametres) <= set(exemples), f"routes without an example: {set(avec_parametres) - set(exemples)}"

    requetes = [(client, url) for url in sans_parametre for client in (anonyme, usager, agent)]
    requetes += [requete for endpoint in avec_parametres for requete in exemples[endpoint]]
    requetes += [(anonyme, "/cette-page-n-existe-pas"), (usager, "/demandes/999999"), (agent, "/agent/demandes/0")]
    fautes, statuts, types = {}, set(), set()
    for client, url in requetes:
        response = client.get(url)
        statuts.add(response.status_code)
        if response.status_code == 200:
            types.add(response.mimetype)
        if defauts := defauts_d_entetes(response, endpoint_de(app, url)):
            fautes[f"{url} ({response.status_code})"] = defauts
    assert not fautes, fautes
    # The walk saw real pages, files, redirects and error pages, not only redirects to the login page.
    assert {200, 302, 404} <= statuts
    assert {"text/html", "application/pdf", "image/png", "text/css", "text/javascript"} <= types, types


def test_les_reponses_aux_formulaires_et_les_erreurs_portent_les_entetes(app, demo):
    client = app.test_client()
    echec = login(client, demo["CAS_3"].numero_etranger, "Mauvais-1!")  # the form again, with its error
    assert echec.status_code == 200 and not defauts_d_entetes(echec, "auth.connexion")
    sans_csrf = client.post("/titre-de-sejour/commencer", data={})  # 302 to the login, or 400
    assert not defauts_d_entetes(sans_csrf, "demarche.commencer")
    methode = client.get("/deconnexion")  # POST only: the French 405 page
    assert methode.status_code == 405 and not defauts_d_entetes(methode, "auth.deconnexion")


def test_le_lien_de_mot_de_passe_garde_same_origin(client):
    """The reset link's token is in its address: that page's policy never sends it to another site."""
    response = client.get("/mot-de-passe?jeton=un-jeton-quelconque")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert not defauts_d_entetes(response, "auth.mot_de_passe")


def test_le_lien_de_mot_de_passe_fonctionne_en_https(app):
    with app.app_context():
        compte = db.session.scalars(select(Compte).order_by(Compte.id)).first()
        jeton = comptes.emettre_jeton(compte, comptes.REINITIALISATION)
        db.session.commit()
    client, url = app.test_client(), f"/mot-de-passe?jeton={jeton}"
    page = client.get(url, base_url="https://localhost")
    assert page.status_code == 200
    # What a browser sends back under that page's policy: no Referer at all with no-referrer.
    referer = {} if page.headers["Referrer-Policy"] == "no-referrer" else {"Referer": f"https://localhost{url}"}
    response = client.post(url, base_url="https://localhost", headers=referer,
                           data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                 "nouveau": "Tres-Bon-Mot2passe!", "confirmation": "Tres-Bon-Mot2passe!"})
    assert response.status_code == 302 and response.location == "/connexion"


def test_les_pages_ne_peuvent_pas_etre_encadrees_mais_les_documents_par_nos_pages(app, demo):
    usager = app.test_client()
    demande = deposee(usager, demo["CAS_3"])
    page = usager.get(f"/demandes/{demande}/confirmation")
    pdf = usager.get(f"/demandes/{demande}/confirmation-de-depot.pdf")
    assert page.status_code == 200 and pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert politique(page)["frame-ancestors"] == ["'none'"] and page.headers["X-Frame-Options"] == "DENY"
    assert politique(pdf)["frame-ancestors"] == ["'self'"] and pdf.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_avec_franceconnect_la_deconnexion_peut_rejoindre_le_fournisseur(app):
    """With FranceConnect, logging out posts to us and is redirected to the provider's logout: form-action
    (applied to that redirect by browsers) names the provider, and nothing else."""
    client = app.test_client()
    assert politique(client.get("/connexion"))["form-action"] == ["'self'"]
    app.config.update(FC_ISSUER="https://fc.example.gouv.fr/api/v1", FC_CLIENT_ID="id", FC_CLIENT_SECRET="secret")
    assert politique(client.get("/connexion"))["form-action"] == ["'self'", "https://fc.example.gouv.fr"]


# --- session cookie ------------------------------------------------------------------------------------------


def test_cookie_de_session_httponly_samesite_lax_sans_secure_en_http(client):
    response = client.get("/connexion")  # the form's CSRF token is kept in the session
    cookie = cookie_de_session(response)
    assert "httponly" in cookie and cookie.get("samesite") == "Lax"
    assert "secure" not in cookie  # over plain HTTP (development), a Secure cookie would never come back


def test_cookie_de_session_secure_quand_la_requete_arrive_en_https(app, demo):
    client = app.test_client()
    page = client.get("/connexion", base_url="https://localhost")
    cookie = cookie_de_session(page)
    assert "secure" in cookie and "httponly" in cookie and cookie.get("samesite") == "Lax"
    # The cookie of the logged-in session too. (Over HTTPS Flask-WTF also wants a same-origin Referer, which the
    # page's Referrer-Policy lets the browser send.)
    response = client.post("/connexion", base_url="https://localhost", headers={"Referer": "https://localhost/connexion"},
                           data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                 "identifiant": demo["CAS_3"].numero_etranger,
                                 "mot_de_passe": demo["CAS_3"].mot_de_passe})
    assert response.status_code == 302
    cookie = cookie_de_session(response)
    assert "secure" in cookie and "httponly" in cookie and cookie.get("samesite") == "Lax"


def test_cookie_de_session_secure_par_reglage_derriere_un_proxy_https(app):
    """Behind a proxy that ends TLS, the app sees HTTP: SESSION_COOKIE_SECURE=1 marks the cookie anyway."""
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = cookie_de_session(app.test_client().get("/connexion"))
    assert "secure" in cookie and "httponly" in cookie and cookie.get("samesite") == "Lax"


# --- templates -------------------------------------------------------------------------------------------------


def _gabarits() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_aucun_gabarit_ne_contient_de_script_en_ligne_ni_de_gestionnaire_on():
    fautes = []
    for path in _gabarits():
        source = path.read_text(encoding="utf-8")
        nom = path.relative_to(TEMPLATES)
        for balise in re.findall(r"<script\b[^>]*>", source, re.I):
            if not re.search(r"\bsrc\s*=", balise, re.I):
                fautes.append(f"{nom}: inline script {balise}")
        for balise in re.findall(r"<[a-zA-Z][^>]*>", source):
            if handler := re.search(r"\son[a-z]+\s*=", balise, re.I):
                fautes.append(f"{nom}: event handler attribute {handler.group().strip()} in {balise[:80]}")
            if re.search(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", balise, re.I):
                fautes.append(f"{nom}: javascript: URL in {balise[:80]}")
    assert len(_gabarits()) > 30
    assert not fautes, "\n".join(fautes)


def test_aucune_page_ne_contient_de_style_en_ligne():
    """style-src has no 'unsafe-inline': a style attribute or <style> element in a page would be ignored."""
    fautes = []
    for path in _gabarits():
        nom = path.relative_to(TEMPLATES)
        if nom.parts[0] in HORS_PAGES:
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"<style\b", source, re.I):
            fautes.append(f"{nom}: <style> element")
        for balise in re.findall(r"<[a-zA-Z][^>]*>", source):
            if re.search(r"\sstyle\s*=", balise, re.I):
                fautes.append(f"{nom}: style attribute in {balise[:80]}")
    assert not fautes, "\n".join(fautes)


def test_les_scripts_des_pages_sont_des_fichiers_servis(client):
    """Each script a template names exists under static/ (a missing file would silently leave a page without it)."""
    noms = set()
    for path in _gabarits():
        noms.update(re.findall(r"url_for\('static', filename='(js/[^']+\.js)'\)", path.read_text(encoding="utf-8")))
    assert noms, "no page script found"
    for nom in sorted(noms):
        response = client.get(f"/static/{nom}")
        assert response.status_code == 200 and "javascript" in response.mimetype, nom

