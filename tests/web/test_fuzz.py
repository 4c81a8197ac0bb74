"""Fuzzing every form and every id-bearing URL with hypothesis (F-48).

Each target is a real page of a real state (a draft at step n, an application under review…). Its form is
posted as a browser would (CSRF token, task id), with some fields replaced by hostile text. Whatever is sent:
- never a 500;
- a refused post changes nothing (workflow, application row, documents, mails, events, accounts) — only an
  accepted post (a redirect onwards) may change the database, and then the database is put back for the next
  example;
- every refusal reads in French (no English message from WTForms or Werkzeug).

`make test` runs FUZZ_EXEMPLES examples per target (30 by default, derandomized so CI is repeatable);
`make fuzz` runs the long campaign (FUZZ_EXEMPLES=1000, about ten thousand examples, random each time).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.register import demo_people
from tests.bases import Modele, copier_sqlite
from tests.conftest import csrf_token
from tests.dates import aujourdhui
from tests.web import instruction as parcours
from tests.web.agent_outils import NORD, login_agent, prendre
from tests.web.helpers import form_values, login, start_draft, to_depot, to_step2, to_step3

pytestmark = pytest.mark.feature("F-48")

EXEMPLES = int(os.environ.get("FUZZ_EXEMPLES", "30"))
LONG = os.environ.get("FUZZ_LONG") == "1"
REGLAGES = settings(max_examples=EXEMPLES, deadline=None, database=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

HOSTILES = [
    "", " ", "²", "٥٩٨٠٠", "５９８００", "00000", "96000", "\x00", "a\r\nb", "\t", "\u202egnp.exe", "\ufeff",
    "<script>alert(1)</script>", "'\"><img src=x onerror=alert(1)>", "{{7*7}}", "${7*7}", "__import__('os')",
    "%s%s%n", "../../../etc/passwd", "9" * 30, "-1", "1e309", "NaN", "0x10", "31/02/2024", "2024-13-45",
    "29/02/2023", "01/01/0001", "99/99/9999", "x" * 5000, "é" * 300, "🙂" * 50, "null", "true", "[]", "{}",
]
TEXTE = st.one_of(st.sampled_from(HOSTILES), st.text(max_size=300),
                  st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
# English that must never reach a French page: WTForms' and Werkzeug's default messages.
ANGLAIS = ("This field is required", "Not a valid", "Invalid ", "Field must", "must be between", "CSRF",
           "Bad Request", "The browser (or proxy)", "Method Not Allowed", "Internal Server Error", "Not Found")
# Tables whose content a refused post must leave alone (sessions and rate-limit counters are the login's business).
TABLES = {
    "demande": "id, compte_id, version_processus_id, etat, etat_libelle, formulaire, etape, cas, numero, "
               "deposee_le, departement, agent_id, echeance, prochain_timer, demande_tardive, confirmation_sha256",
    "etat_processus": "*", "document": "*", "courriel": "id, modele, destinataire, sujet, texte, html, etat",
    "notification": "*", "evenement": "*", "compte": "*", "version_processus": "id, empreinte", "compteur": "*",
}


class Banc:
    """An app on its own database (a SQLite file, or a PostgreSQL database cloned from a template), which can be
    frozen and put back between examples."""

    def __init__(self, dossier: Path, demo_db: Modele) -> None:
        self.url = demo_db.copie(dossier)
        self.serveur = demo_db.serveur
        self.app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": self.url,
                               "DOCUMENTS_DIR": dossier / "documents", "RATELIMIT_ENABLED": False})
        if self.serveur is None:
            self.base = Path(make_url(self.url).database)
            self.fige = dossier / "fige.db"
        else:
            self.nom = make_url(self.url).database
            self.nom_fige = f"{self.nom}_fige"

    def _fermer(self) -> None:
        from app.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def figer(self) -> None:
        self._fermer()
        if self.serveur is None:
            copier_sqlite(self.base, self.fige)
        else:  # a template cannot be cloned while connected: _fermer closed the app's connections
            self.serveur.supprimer(self.nom_fige)
            self.serveur.creer(self.nom_fige, modele=self.nom)

    def restaurer(self) -> None:
        self._fermer()
        if self.serveur is None:
            copier_sqlite(self.fige, self.base)
        else:
            self.serveur.supprimer(self.nom)
            self.serveur.creer(self.nom, modele=self.nom_fige)

    def etat(self) -> str:
        digest = hashlib.sha256()
        moteur = create_engine(self.url, poolclass=NullPool)
        with moteur.connect() as connexion:
            for table, colonnes in TABLES.items():
                for ligne in connexion.execute(text(f"SELECT {colonnes} FROM {table} ORDER BY 1")):  # noqa: S608
                    digest.update(repr(tuple(ligne)).encode())
        moteur.dispose()
        return digest.hexdigest()


@pytest.fixture
def banc(demo_db: Modele, tmp_path: Path) -> Iterator[Banc]:
    yield Banc(tmp_path, demo_db)


def _cas3() -> Any:
    """The demo applicant of CAS 3 (an adult), who has an account."""
    return [p for _, p in demo_people(aujourdhui())][2]


def verifier(banc: Banc, envoyer: Callable[[], Any]) -> None:
    """Send one request; check what any request must respect; put the database back if it changed."""
    avant = banc.etat()
    reponse = envoyer()
    assert reponse.status_code < 500, reponse.get_data(as_text=True)[:500]
    change = banc.etat() != avant
    page = reponse.get_data(as_text=True) if reponse.mimetype == "text/html" else ""
    if reponse.status_code >= 400 or (reponse.status_code == 200 and page):
        assert not change, f"refused ({reponse.status_code}) but the database changed"
    if page and not 300 <= reponse.status_code < 400:  # a redirect's body is never shown by a browser
        assert 'lang="fr"' in page
        anglais = [phrase for phrase in ANGLAIS if phrase in page]
        assert anglais == [], anglais
    if change:
        assert reponse.status_code in (302, 303)
        banc.restaurer()


def _poster(client: Any, url: str, remplacements: dict[str, str], fichiers: bool = False) -> Callable[[], Any]:
    def envoyer() -> Any:
        page = client.get(url).get_data(as_text=True)
        data = {**form_values(page), **remplacements}
        data.setdefault("csrf_token", csrf_token(page))
        return client.post(url, data=data, content_type="multipart/form-data" if fichiers else None)

    return envoyer


def _champs(client: Any, url: str) -> list[str]:
    page = client.get(url).get_data(as_text=True)
    noms = set(form_values(page)) | set(re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', page))
    return sorted(noms - {"csrf_token", "task_id"})


def remplacements(champs: list[str], actions: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Some fields of the form replaced by hostile text, and the button pressed (known or not)."""
    return st.fixed_dictionaries(
        {"action": st.one_of(st.sampled_from(actions), TEXTE)},
        optional={nom: TEXTE for nom in champs if nom != "action"},
    )


ACTIONS_ETAPE = ["poursuivre", "precedent", "quitter", "abandonner", "joindre", "ephoto_confirmer",
                 "ephoto_supprimer", "aller:1", "aller:²", "aller:99999999999999999999", "supprimer:1",
                 "supprimer:²", "supprimer:-1", "supprimer:99999999999999999999"]


# --- Forms of visitors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/connexion", "/creer-mon-compte", "/mot-de-passe-oublie", "/agent/connexion"])
def test_formulaires_publics(banc: Banc, url: str) -> None:
    client = banc.app.test_client()
    banc.figer()
    champs = _champs(client, url)

    @REGLAGES
    @given(remplacements(champs, ["poursuivre"]), TEXTE)
    def essai(valeurs: dict[str, str], suivant: str) -> None:
        cible = url + ("&" if "?" in url else "?") + "next=" + quote(suivant, safe="")
        verifier(banc, _poster(banc.app.test_client(), cible, valeurs))

    essai()


# --- The applicant's steps -------------------------------------------------------------------------------------------


def _etape(banc: Banc, numero: int) -> tuple[Any, str]:
    client = banc.app.test_client()
    personne = _cas3()
    if numero == 0:
        login(client, personne.numero_etranger, personne.mot_de_passe)
        return client, "/titre-de-sejour"
    aller = {1: lambda: (login(client, personne.numero_etranger, personne.mot_de_passe), start_draft(client))[1],
             2: lambda: to_step2(client, personne, "CAS_3"),
             3: lambda: to_step3(client, personne, "CAS_3"),
             4: lambda: to_depot(client, personne, "CAS_3")}
    return client, aller[numero]()


@pytest.mark.parametrize("numero", [0, 1, 2, 3, 4])
def test_etapes_du_brouillon(banc: Banc, numero: int) -> None:
    client, url = _etape(banc, numero)
    banc.figer()
    champs = _champs(client, url)

    @REGLAGES
    @given(remplacements(champs, ACTIONS_ETAPE))
    def essai(valeurs: dict[str, str]) -> None:
        verifier(banc, _poster(client, url, valeurs, fichiers=numero == 3))

    essai()


# --- The agent's pages and the complement answer ---------------------------------------------------------------------


def _en_instruction(banc: Banc) -> tuple[Any, Any, int]:
    usager, agent = banc.app.test_client(), banc.app.test_client()
    personne = _cas3()
    login(usager, personne.numero_etranger, personne.mot_de_passe)
    demande = parcours.deposee(usager, personne, "CAS_3")
    login_agent(agent, NORD)
    assert prendre(agent, demande).status_code == 302
    return usager, agent, demande


@pytest.mark.parametrize("tache", ["examiner_demande", "decider"])
def test_formulaires_de_l_agent(banc: Banc, tache: str) -> None:
    _, agent, demande = _en_instruction(banc)
    if tache == "decider":
        parcours.examiner(banc.app, demande)
    url = f"/agent/demandes/{demande}"
    banc.figer()
    champs = _champs(agent, url)

    @REGLAGES
    @given(remplacements(champs, ["envoyer"]))
    def essai(valeurs: dict[str, str]) -> None:
        verifier(banc, _poster(agent, url, valeurs))

    essai()


def test_reponse_au_complement(banc: Banc) -> None:
    usager, _, demande = _en_instruction(banc)
    from app.extensions import db
    from app.models import Document

    with banc.app.app_context():
        code = db.session.query(Document.piece).filter_by(demande_id=demande).first()[0]
    parcours.examiner(banc.app, demande, {code: "Document illisible."})
    url = f"/notifications/{parcours.derniere(banc.app, demande, 'demande_complement').id}"
    usager.get(url)  # opened: the answer is awaited
    banc.figer()
    champs = _champs(usager, url)

    @REGLAGES
    @given(remplacements(champs, ["envoyer", "joindre", "supprimer:1", "supprimer:²",
                                  "supprimer:99999999999999999999"]))
    def essai(valeurs: dict[str, str]) -> None:
        verifier(banc, _poster(usager, url, valeurs, fichiers=True))

    essai()


# --- Query strings and id-bearing URLs -------------------------------------------------------------------------------


def test_parametres_des_listes(banc: Banc) -> None:
    _, agent, _ = _en_instruction(banc)
    usager = banc.app.test_client()
    personne = _cas3()
    login(usager, personne.numero_etranger, personne.mot_de_passe)
    banc.figer()
    noms = ["etat", "tri", "q", "affectation", "page", "par_page", "nature", "onglet", "d", "jeton"]

    @REGLAGES
    @given(st.sampled_from([(agent, "/agent/demandes"), (usager, "/notifications"), (usager, "/mes-demandes"),
                            (usager, "/demarche-indisponible"), (banc.app.test_client(), "/mot-de-passe")]),
           st.dictionaries(st.sampled_from(noms), TEXTE, max_size=4))
    def essai(cible: tuple[Any, str], parametres: dict[str, str]) -> None:
        client, url = cible
        requete = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in parametres.items())
        verifier(banc, lambda: client.get(f"{url}?{requete}"))

    essai()


def test_urls_a_identifiant(banc: Banc) -> None:
    """Every route with an id, with anything in place of the id, for a visitor, an applicant and an agent."""
    usager, agent, _ = _en_instruction(banc)
    banc.figer()
    regles = [r for r in banc.app.url_map.iter_rules() if r.arguments]
    assert regles, "no id-bearing route?"

    @REGLAGES
    @given(st.sampled_from(regles), st.sampled_from(["anonyme", "usager", "agent"]),
           st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), TEXTE))
    def essai(regle: Any, qui: str, ident: str) -> None:
        client = {"anonyme": banc.app.test_client(), "usager": usager, "agent": agent}[qui]
        url = re.sub(r"<[^>]+>", quote(ident, safe="") or "x", regle.rule)
        methode = "POST" if "POST" in regle.methods and "GET" not in regle.methods else "GET"
        verifier(banc, lambda: client.open(url, method=methode))

    essai()
