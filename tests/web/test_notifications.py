"""F-14 « Mes Notifications »: the bell and its menu, the list (date, SEJOUR, subject and state), the
filter by kind, 10/20/50 per page with pagination, the acknowledgement of receipt on opening."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Compte, Notification, Personne
from tests.web.helpers import login
from tests.web.instruction import lisible

pytestmark = pytest.mark.feature("F-14")

OBJETS = {"demande_complement": "Demande de complément", "decision": "Notification de décision",
          "cloture": "Clôture de votre demande"}


def _compte(numero: str) -> Compte:
    return db.session.scalars(select(Compte).join(Personne).where(Personne.numero_etranger == numero)).one()


def creer(app, person, natures, debut=datetime(2024, 3, 1, 9, 0, tzinfo=UTC), **etat) -> list[int]:
    """Notifications for `person` (on a draft of theirs), one a day from `debut`, in the order given."""
    with app.app_context():
        compte = _compte(person.numero_etranger)
        demande = app.extensions["demandes"].create(compte, {"date_naissance": compte.personne.date_naissance},
                                                    clock.today())
        rows = [Notification(demande_id=demande.id, compte_id=compte.id, nature=n, objet=OBJETS[n],
                             contenu={"numero": "5901202403010000001"}, creee_le=debut + timedelta(days=i), **etat)
                for i, n in enumerate(natures)]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def connecte(app, person):
    client = app.test_client()
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    return client


def lignes(client, url="/notifications") -> list[str]:
    page = client.get(url).get_data(as_text=True)
    table = re.search(r'<table id="notifications">.*?</table>', page, re.S)
    if not table:
        return []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
            for r in re.findall(r"<tr\b[^>]*>.*?</tr>", table.group(0), re.S)][1:]


def test_liste_avec_l_avertissement_et_les_etats(app, demo):
    person = demo["CAS_3"]
    lue_le = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    [decision_lue] = creer(app, person, ["decision"], lue_le=lue_le)
    [repondue] = creer(app, person, ["demande_complement"], debut=datetime(2024, 3, 2, 9, 0, tzinfo=UTC),
                       lue_le=lue_le, repondue_le=datetime(2024, 3, 6, 10, 0, tzinfo=UTC))
    [non_lue] = creer(app, person, ["decision"], debut=datetime(2024, 3, 3, 9, 0, tzinfo=UTC))
    client = connecte(app, person)
    page = lisible(client, "/notifications")
    assert "Mes Notifications" in page
    assert ("Vous pouvez suivre votre correspondance avec l'administration ci-dessous. L'ouverture d'une "
            "notification fait office, pour l'administration, d'accusé de réception et déclenche donc le délai dans "
            "lequel vous devez répondre à une demande de l'agent en charge de votre dossier.") in page
    assert "Filtrer mes notifications :" in page and "Toutes les notifications" in page
    assert "Résultats par page :" in page and "1 sur 1" in page
    # Newest first: date, domain, subject with its state, and the date of reading or answering.
    assert lignes(client) == [
        "03/03/2024 SEJOUR Notification de décision non lue",
        "02/03/2024 SEJOUR Demande de complément répondue Répondue le 06/03/2024",
        "01/03/2024 SEJOUR Notification de décision lue Lu le 05/03/2024",
    ]
    html = client.get("/notifications").get_data(as_text=True)
    for ident in (decision_lue, repondue, non_lue):
        assert f'href="/notifications/{ident}"' in html


def test_ouvrir_une_decision_enregistre_la_lecture_une_seule_fois(app, demo):
    person = demo["CAS_3"]
    [ident] = creer(app, person, ["decision"])
    client = connecte(app, person)
    avant = datetime.now(UTC)
    assert client.get(f"/notifications/{ident}").status_code == 200
    with app.app_context():
        lue_le = db.session.get(Notification, ident).lue_le.replace(tzinfo=UTC)
    assert avant - timedelta(seconds=1) <= lue_le <= datetime.now(UTC)
    client.get(f"/notifications/{ident}")
    with app.app_context():
        assert db.session.get(Notification, ident).lue_le.replace(tzinfo=UTC) == lue_le
    assert lignes(client)[0].endswith(f"Notification de décision lue Lu le {clock.paris(lue_le):%d/%m/%Y}")


def test_la_cloche_compte_les_non_lues_et_montre_les_dernieres(app, demo):
    person = demo["CAS_3"]
    ids = creer(app, person, ["demande_complement", "decision", "decision", "decision", "decision", "decision",
                              "cloture"])
    client = connecte(app, person)
    html = client.get("/").get_data(as_text=True)
    cloche = re.search(r'<details class="cloche".*?</details>', html, re.S).group(0)
    assert 'aria-label="Mes notifications : 7 non lues"' in cloche
    assert '<span class="cloche__compte" aria-hidden="true">7</span>' in cloche
    assert "Mes Notifications" in cloche and "Voir toutes mes notifications" in cloche
    assert 'href="/notifications"' in cloche
    # The menu lists the latest five, newest first.
    assert re.findall(r'href="/notifications/(\d+)"', cloche) == [str(i) for i in reversed(ids[2:])]
    client.get(f"/notifications/{ids[-1]}")
    cloche = re.search(r'<details class="cloche".*?</details>', client.get("/").get_data(as_text=True), re.S).group(0)
    assert 'aria-label="Mes notifications : 6 non lues"' in cloche
    # Another applicant sees only their own.
    autre = connecte(app, demo["CAS_1"])
    cloche = re.search(r'<details class="cloche".*?</details>', autre.get("/").get_data(as_text=True), re.S).group(0)
    assert 'aria-label="Mes notifications : 0 non lue"' in cloche and "cloche__compte" not in cloche
    assert "Aucune notification." in cloche
    # No bell for a visitor.
    assert 'class="cloche"' not in app.test_client().get("/").get_data(as_text=True)


def test_filtre_par_nature(app, demo):
    person = demo["CAS_3"]
    creer(app, person, ["demande_complement", "decision", "demande_complement", "cloture"])
    client = connecte(app, person)
    assert [ligne.split(" SEJOUR ")[1] for ligne in lignes(client, "/notifications?nature=demande_complement")] == [
        "Demande de complément non lue", "Demande de complément non lue"]
    assert len(lignes(client, "/notifications?nature=decision")) == 1
    assert len(lignes(client, "/notifications?nature=cloture")) == 1
    assert len(lignes(client, "/notifications?nature=inconnue")) == 4  # an unknown kind is « all »
    html = client.get("/notifications?nature=decision").get_data(as_text=True)
    assert '<option value="decision" selected>Notification de décision</option>' in html
    assert "Aucune notification de ce type." in lisible(connecte(app, demo["CAS_1"]), "/notifications?nature=decision")


def test_dix_vingt_cinquante_par_page_et_pagination(app, demo):
    person = demo["CAS_3"]
    creer(app, person, ["decision"] * 25)
    client = connecte(app, person)
    assert len(lignes(client)) == 10
    assert "1 sur 3" in lisible(client, "/notifications")
    html = client.get("/notifications").get_data(as_text=True)
    assert 'href="/notifications?par_page=10&amp;page=2"' in html
    page3 = lignes(client, "/notifications?par_page=10&page=3")
    assert len(page3) == 5 and page3[-1].startswith("01/03/2024")  # the oldest, last
    assert "3 sur 3" in lisible(client, "/notifications?page=3")
    assert len(lignes(client, "/notifications?par_page=20")) == 20
    assert "1 sur 2" in lisible(client, "/notifications?par_page=20")
    assert len(lignes(client, "/notifications?par_page=50")) == 25
    assert len(lignes(client, "/notifications?par_page=7")) == 10  # only 10, 20 or 50
    assert "3 sur 3" in lisible(client, "/notifications?page=99")  # past the end: the last page
    assert "1 sur 3" in lisible(client, "/notifications?page=abc")


def test_aucune_notification(app, demo):
    client = connecte(app, demo["CAS_3"])
    assert "Vous n'avez aucune notification." in lisible(client, "/notifications")


def test_autorisations(app, demo):
    [ident] = creer(app, demo["CAS_3"], ["decision"])
    autre = connecte(app, demo["CAS_1"])
    assert autre.get(f"/notifications/{ident}").status_code == 404
    assert autre.get(f"/notifications/{ident}/document").status_code == 404
    assert autre.get("/notifications/999999").status_code == 404
    assert lignes(autre) == []
    with app.app_context():
        assert db.session.get(Notification, ident).lue_le is None  # another person's visit is no acknowledgement
    anonyme = app.test_client()
    for url in ("/notifications", f"/notifications/{ident}", f"/notifications/{ident}/document"):
        response = anonyme.get(url)
        assert response.status_code == 302 and "/connexion" in response.location, url
