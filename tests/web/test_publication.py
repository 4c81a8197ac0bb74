"""F-45 / F-41 Publishing a new process version from the browser: drafts, « Vérifier », the process's tests,
« Publier », and the version new applications take afterwards (running ones keep theirs).

The process's tests are replaced by a quick stand-in (PUBLICATION_LANCEUR) except in one test, which runs the real
tests/workflow in a subprocess on the draft's files."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from app import create_app, publication
from app.extensions import db
from app.models import BrouillonProcessus, Demande, VersionProcessus
from tests.conftest import csrf_token
from tests.web.helpers import login, start_draft

pytestmark = [pytest.mark.feature("F-45"), pytest.mark.feature("F-41")]

ANALYSTE = {"email": "analyste@demo.example.org", "mot_de_passe": "Demo-Analyste-1!"}
BPMN = "bpmn/demande_titre_sejour_ase.bpmn"
CONDITION = '>suite == "complement"<'
HOSTILE = ">__import__(&#39;os&#39;).system(&#39;x&#39;) == 0<"
ANCIEN, NOUVEAU = 'name="Informations personnelles"', 'name="Mes informations personnelles"'


def essais_factices(etat: str = publication.REUSSI) -> Any:
    appels = []

    def lanceur(fichiers: dict[str, str], dmn_dir: Any, tests: Any) -> dict[str, Any]:
        appels.append(fichiers)
        return {"etat": etat, "reussis": 3, "echoues": 0 if etat == publication.REUSSI else 1,
                "echecs": [] if etat == publication.REUSSI else [{"nom": "test_x", "message": "assert False"}]}

    lanceur.appels = appels
    return lanceur


@pytest.fixture
def analyste(app: Any) -> Any:
    app.config.update(PUBLICATION_ESSAIS_SYNCHRONES=True, PUBLICATION_LANCEUR=essais_factices())
    client = app.test_client()
    page = client.get("/analyste/connexion").get_data(as_text=True)
    assert client.post("/analyste/connexion", data={"csrf_token": csrf_token(page), **ANALYSTE}).status_code == 302
    return client


def texte(page: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def jeton(client: Any, url: str = "/analyste/brouillons") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def creer(client: Any) -> int:
    reponse = client.post("/analyste/brouillons/nouveau", data={"csrf_token": jeton(client)})
    assert reponse.status_code == 302
    return int(re.search(r"/analyste/brouillons/(\d+)$", reponse.location).group(1))


def page(client: Any, ident: int) -> str:
    reponse = client.get(f"/analyste/brouillons/{ident}")
    assert reponse.status_code == 200
    return reponse.get_data(as_text=True)


def envoyer(client: Any, ident: int, nom: str, contenu: bytes, nom_du_fichier: str = "fichier.bpmn") -> str:
    reponse = client.post(f"/analyste/brouillons/{ident}/fichiers/{nom}", data={
        "csrf_token": jeton(client, f"/analyste/brouillons/{ident}"),
        "fichier": (io.BytesIO(contenu), nom_du_fichier)}, content_type="multipart/form-data")
    assert reponse.status_code == 302
    return texte(client.get(reponse.location).get_data(as_text=True))


def bpmn_du_brouillon(app: Any, ident: int) -> str:
    with app.app_context():
        return db.session.get(BrouillonProcessus, ident).fichiers[BPMN]


def poster(client: Any, ident: int, action: str) -> Any:
    return client.post(f"/analyste/brouillons/{ident}/{action}",
                       data={"csrf_token": jeton(client, f"/analyste/brouillons/{ident}")})


def courante(app: Any) -> VersionProcessus:
    with app.app_context():
        return app.extensions["demandes"].catalog.current_version(db.session)


def test_nouveau_brouillon_copie_la_version_en_vigueur(app, analyste):
    liste = analyste.get("/analyste/brouillons").get_data(as_text=True)
    assert "Nouveau brouillon" in liste and "Aucun brouillon" in liste
    ident = creer(analyste)
    contenu = texte(page(analyste, ident))
    assert "Brouillon n° 1" in contenu and BPMN in contenu and "dmn/cas_usager.dmn" in contenu
    assert "Modifier dans le modeleur" in contenu and "Télécharger" in contenu and "Remplacer par un fichier" in contenu
    with app.app_context():
        brouillon = db.session.get(BrouillonProcessus, ident)
        version = app.extensions["demandes"].catalog.current_version(db.session)
        assert brouillon.fichiers == version.fichiers and brouillon.base_version_id == version.id
    xml = analyste.get(f"/analyste/brouillons/{ident}/fichiers/{BPMN}.xml?telecharger=1")
    assert xml.status_code == 200 and xml.data.decode() == bpmn_du_brouillon(app, ident)
    assert "attachment" in xml.headers["Content-Disposition"]
    liste = texte(analyste.get("/analyste/brouillons").get_data(as_text=True))
    assert "Brouillon n° 1 Alix MOREAU" in liste and "non faite" in liste and "non lancés" in liste


def test_une_condition_hostile_est_listee_et_la_publication_refusee(app, analyste):
    ident = creer(analyste)
    avant = courante(app).id
    bpmn = bpmn_du_brouillon(app, ident)
    contenu = envoyer(analyste, ident, BPMN, bpmn.replace(CONDITION, HOSTILE).encode())
    assert f"« {BPMN} » remplacé" in contenu
    reponse = poster(analyste, ident, "verifier")
    assert reponse.status_code == 302 and "focus=erreurs" in reponse.location
    contenu = texte(analyste.get(reponse.location).get_data(as_text=True))
    assert "La vérification a trouvé 1 problème" in contenu
    assert (f"{BPMN} — « demande de complément » (f_vers_complement) : la condition "
            "(« __import__('os').system('x') == 0 ») contient ce que le moteur ne peut pas exécuter") in contenu
    # The tests do not run on files that fail the check; « Publier » says every reason.
    assert poster(analyste, ident, "essais").status_code == 302
    assert "La vérification a trouvé des problèmes" in texte(page(analyste, ident))
    assert analyste.application.config["PUBLICATION_LANCEUR"].appels == []
    refus = poster(analyste, ident, "publier")
    assert refus.status_code == 200
    contenu = texte(refus.get_data(as_text=True))
    assert "Publication refusée" in contenu and "La vérification trouve 1 problème" in contenu
    assert "Les tests du processus n'ont pas été lancés" in contenu and "f_vers_complement" in contenu
    assert 'data-focus="erreurs"' in refus.get_data(as_text=True)
    assert courante(app).id == avant


def test_le_modeleur_enregistre_et_recoit_les_problemes_en_json(app, analyste):
    ident = creer(analyste)
    bpmn = bpmn_du_brouillon(app, ident)
    casse = re.sub(r'(?<=[">])delai_reponse(?=["<])', "delai_usager", bpmn)
    url = f"/analyste/brouillons/{ident}/fichiers/{BPMN}"
    editeur = analyste.get(url)
    assert editeur.status_code == 200 and 'data-enregistrer-url="' + url in editeur.get_data(as_text=True)
    jeton_page = csrf_token(editeur.get_data(as_text=True).replace('data-csrf="', 'name="csrf_token" value="'))
    sans_jeton = analyste.post(url, data=casse.encode(), content_type="application/xml")
    assert sans_jeton.status_code == 400  # Flask-WTF's CSRFProtect: the header is required
    reponse = analyste.post(url, data=casse.encode(), content_type="application/xml",
                            headers={"X-CSRFToken": jeton_page})
    assert reponse.status_code == 200 and reponse.json["ok"] is True
    assert any(p["id"] == "delai_reponse" and p["fichier"] == BPMN and "délai introuvable" in p["message"]
               for p in reponse.json["problemes"]), reponse.json
    assert bpmn_du_brouillon(app, ident) == casse
    # Not the same kind of file, not XML: refused, nothing stored.
    dmn = analyste.get(f"/analyste/brouillons/{ident}/fichiers/dmn/cas_usager.dmn.xml").data
    for corps, attendu in ((dmn, "est un fichier BPMN"), (b"<definitions", "XML bien form")):
        refuse = analyste.post(url, data=corps, content_type="application/xml", headers={"X-CSRFToken": jeton_page})
        assert refuse.status_code == 400 and refuse.json["ok"] is False
        assert attendu in refuse.json["problemes"][0]["message"]
    assert bpmn_du_brouillon(app, ident) == casse


def test_un_fichier_envoye_est_controle(app, analyste):
    ident = creer(analyste)
    assert "Fichier refusé : Le fichier n'est pas un XML bien formé" in envoyer(analyste, ident, BPMN, b"pas du xml")
    trop = b"<a>" + b" " * publication.TAILLE_MAX + b"</a>"
    assert "Fichier refusé : Le fichier dépasse 2 Mo" in envoyer(analyste, ident, BPMN, trop)
    entite = b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><definitions>&x;</definitions>'
    assert "Fichier refusé" in envoyer(analyste, ident, BPMN, entite)
    assert "Choisissez un fichier" in envoyer(analyste, ident, BPMN, b"", "")
    assert bpmn_du_brouillon(app, ident) == courante(app).fichiers[BPMN]


def test_tests_en_echec_ou_sur_d_autres_fichiers_la_publication_est_refusee(app, analyste):
    ident = creer(analyste)
    envoyer(analyste, ident, BPMN, bpmn_du_brouillon(app, ident).replace(ANCIEN, NOUVEAU).encode())
    assert "Vérifiez d'abord le brouillon" in texte(analyste.get(poster(analyste, ident, "essais").location)
                                                   .get_data(as_text=True))
    poster(analyste, ident, "verifier")
    app.config["PUBLICATION_LANCEUR"] = essais_factices(publication.ECHOUE)
    contenu = texte(analyste.get(poster(analyste, ident, "essais").location).get_data(as_text=True))
    assert "En échec : 3 réussi(s), 1 en échec" in contenu and "test_x : assert False" in contenu
    assert "Les tests du processus ont échoué" in texte(poster(analyste, ident, "publier").get_data(as_text=True))
    app.config["PUBLICATION_LANCEUR"] = essais_factices()
    poster(analyste, ident, "essais")
    with app.app_context():  # the files change under the tests' result (not through the pages, which reset it)
        brouillon = db.session.get(BrouillonProcessus, ident)
        brouillon.fichiers = {**brouillon.fichiers, BPMN: brouillon.fichiers[BPMN].replace(NOUVEAU, 'name="Autre"')}
        db.session.commit()
    refus = texte(poster(analyste, ident, "publier").get_data(as_text=True))
    assert "Les fichiers ont changé depuis les derniers tests : relancez les tests du processus." in refus


def test_un_brouillon_identique_a_la_version_en_vigueur_n_est_pas_publie(app, analyste):
    ident = creer(analyste)
    poster(analyste, ident, "verifier")
    poster(analyste, ident, "essais")
    refus = texte(poster(analyste, ident, "publier").get_data(as_text=True))
    assert "Ce brouillon est identique à la version en vigueur : il n'y a rien à publier." in refus


def test_sans_dossier_des_tests_la_publication_est_impossible(app, analyste, tmp_path):
    app.config["PUBLICATION_DOSSIER_TESTS"] = tmp_path / "absent"
    ident = creer(analyste)
    assert "dossier tests/workflow absent) : la publication depuis ce serveur est impossible" in texte(page(analyste,
                                                                                                         ident))
    poster(analyste, ident, "verifier")
    contenu = texte(analyste.get(poster(analyste, ident, "essais").location).get_data(as_text=True))
    assert "Les tests du processus ne sont pas installés sur ce serveur" in contenu


def _demande(app: Any, personne: Any) -> Demande:
    client = app.test_client()
    login(client, personne.numero_etranger, personne.mot_de_passe)
    url = start_draft(client)
    with app.app_context():
        return db.session.get(Demande, int(url.rstrip("/").rsplit("/", 1)[-1])), client, url


def _publier(app: Any, analyste: Any) -> tuple[int, str]:
    ident = creer(analyste)
    envoyer(analyste, ident, BPMN, bpmn_du_brouillon(app, ident).replace(ANCIEN, NOUVEAU).encode())
    poster(analyste, ident, "verifier")
    poster(analyste, ident, "essais")
    reponse = poster(analyste, ident, "publier")
    assert reponse.status_code == 302, texte(reponse.get_data(as_text=True))
    return ident, texte(analyste.get(reponse.location).get_data(as_text=True))


def test_publier_vaut_pour_les_nouvelles_demandes_seulement(app, analyste, demo):
    avant, client_avant, url_avant = _demande(app, demo["CAS_3"])
    ident, contenu = _publier(app, analyste)
    assert "Brouillon publié" in contenu and "publié" in contenu
    version = courante(app)
    assert version.origine == "publication" and version.publiee_par.startswith("analyste:")
    assert version.id != avant.version_processus_id
    with app.app_context():
        brouillon = db.session.get(BrouillonProcessus, ident)
        assert brouillon.etat == "publie" and brouillon.publie_version_id == version.id
    apres, client_apres, url_apres = _demande(app, demo["CAS_1"])
    assert apres.version_processus_id == version.id
    assert "Mes informations personnelles" in client_apres.get(url_apres).get_data(as_text=True)
    ancienne = client_avant.get(url_avant).get_data(as_text=True)
    assert "Informations personnelles" in ancienne and "Mes informations personnelles" not in ancienne
    # A published draft is read-only.
    assert "ne peut plus être modifié" in envoyer(analyste, ident, BPMN, bpmn_du_brouillon(app, ident).encode())


def test_une_publication_est_vue_par_un_autre_processus_et_survit_au_redemarrage(app, analyste, demo):
    autre = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with autre.app_context():  # the other process has read its current version before the publication
        avant = autre.extensions["demandes"].catalog.current_version(db.session).id
    _publier(app, analyste)
    publiee = courante(app).id
    assert publiee != avant
    with autre.app_context():
        assert autre.extensions["demandes"].catalog.current_version(db.session).id == publiee
    client = autre.test_client()
    login(client, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe)
    assert "Mes informations personnelles" in client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    # Restarting on the same files (a known hash) keeps the publication.
    relance = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with relance.app_context():
        assert relance.extensions["demandes"].catalog.current_version(db.session).id == publiee
        versions = db.session.scalars(select(VersionProcessus).order_by(VersionProcessus.id)).all()
        assert [v.origine for v in versions] == ["fichiers", "publication"]


def test_les_vrais_tests_du_processus_tournent_sur_le_brouillon(app, analyste):
    """The real tests/workflow, in a subprocess, on the draft's files: they pass on a gateway's label change (a
    step's title would not: tests/workflow pins the steps' titles)."""
    app.config["PUBLICATION_LANCEUR"] = None
    ident = creer(analyste)
    bpmn = bpmn_du_brouillon(app, ident)
    assert bpmn.count('name="Suite donnée ?"') == 1
    envoyer(analyste, ident, BPMN, bpmn.replace('name="Suite donnée ?"', 'name="Quelle suite donner ?"').encode())
    poster(analyste, ident, "verifier")
    contenu = texte(analyste.get(poster(analyste, ident, "essais").location).get_data(as_text=True))
    assert re.search(r"Réussis : \d{2,} test\(s\) passé\(s\), aucun échec", contenu), contenu
    with app.app_context():
        brouillon = db.session.get(BrouillonProcessus, ident)
        assert brouillon.essais_empreinte == publication.empreinte(brouillon)
