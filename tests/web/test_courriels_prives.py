"""No page shows mail to a visitor (F-48, F-27): without SMTP, a reset link lands in the operator's mail store.

The former development page /dev/courriels showed every queued mail, reset links included, to anyone: request
« mot de passe oublié » for someone's n° étranger, read the link, choose a password, log in.
"""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from tests.comptes_outils import chemin, demander_oubli, distribuer


@pytest.fixture
def app_sans_smtp(app, tmp_path):
    app.config.update(SMTP_HOST="", MAIL_DOSSIER=tmp_path / "courriels")
    return app


def _urls_get(app) -> list[str]:
    """Every GET route of the app, ids set to 1 (an anonymous visitor may try any of them)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        urls.append(re.sub(r"<(?:int:)?\w+>", "1", rule.rule))
    return urls


@pytest.mark.feature("F-48")
def test_aucune_adresse_sous_dev(app_sans_smtp):
    assert [r.rule for r in app_sans_smtp.url_map.iter_rules() if r.rule.startswith("/dev")] == []
    client = app_sans_smtp.test_client()
    for url in ("/dev", "/dev/", "/dev/courriels"):
        assert client.get(url).status_code == 404


@pytest.mark.feature("F-48")
@pytest.mark.feature("F-27")
def test_le_lien_de_reinitialisation_est_dans_la_boite_locale_et_dans_aucune_page(app_sans_smtp, demo):
    visiteur = app_sans_smtp.test_client()
    pages = []
    reponse = demander_oubli(visiteur, demo["CAS_1"].numero_etranger)
    assert reponse.status_code == 302
    pages.append(visiteur.get(reponse.location).get_data())
    assert distribuer(app_sans_smtp) == {"envoye": 1, "a_envoyer": 0, "echec": 0}

    [fichier] = app_sans_smtp.config["MAIL_DOSSIER"].glob("*.eml")
    message = email.message_from_bytes(fichier.read_bytes(), policy=policy.default)
    assert message["To"] == f"{demo['CAS_1'].numero_etranger}@demo.example.org"
    [lien] = re.findall(r"https?://\S+/mot-de-passe\?jeton=[\w.\-]+", message.get_body(("plain",)).get_content())
    jeton = lien.partition("jeton=")[2]
    assert visiteur.get(chemin(lien)).status_code == 200  # the link works: it is the real one

    for url in _urls_get(app_sans_smtp) + ["/dev/courriels"]:
        for client in (visiteur, app_sans_smtp.test_client()):
            pages.append(client.get(url, follow_redirects=True).get_data())  # PDFs too: bytes
    assert len(pages) > 40
    assert not [page for page in pages if jeton.encode() in page]
