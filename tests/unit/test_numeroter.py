"""The `numeroter` service handler (F-26): 19 digits, sequence from a counter row."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app import agents
from app.departements import PREFECTURES, CodePostalInvalide, Departement, du_code_postal
from app.extensions import db
from app.models import Compteur
from app.tasks import HANDLERS


@pytest.mark.feature("F-26")
def test_numero_departement_01_date_sequence(app):
    with app.app_context():
        jour = date(2023, 8, 16)
        numeros = []
        for code_postal in ("59800", "59000", "75011"):
            demande = SimpleNamespace(numero=None, deposee_le=None)
            ctx = SimpleNamespace(demande=demande, session=db.session, today=jour)
            numeros.append(HANDLERS["numeroter"](ctx, code_postal=code_postal)["numero"])
        assert numeros == ["5901202308160000001", "5901202308160000002", "7501202308160000001"]
        assert all(len(n) == 19 and n.isdigit() for n in numeros)


@pytest.mark.feature("F-26")
def test_une_demande_deja_numerotee_garde_son_numero(app):
    with app.app_context():
        demande = SimpleNamespace(numero="5901202308160000184", deposee_le=None)
        ctx = SimpleNamespace(demande=demande, session=db.session, today=date(2023, 8, 16))
        assert HANDLERS["numeroter"](ctx, code_postal="59800") == {"numero": "5901202308160000184"}


@pytest.mark.feature("F-26")
@pytest.mark.parametrize("code_postal, numero, prefecture", [
    ("59800", "59", "59"), ("01000", "01", "01"), ("95000", "95", "95"), ("75011", "75", "75"),
    ("20000", "20", "2A"), ("20190", "20", "2A"), ("20200", "20", "2B"), ("20600", "20", "2B"), ("20620", "20", "2B"),
    ("97100", "97", "971"), ("97133", "97", "971"), ("97150", "97", "971"), ("97200", "97", "972"),
    ("97300", "97", "973"), ("97400", "97", "974"), ("97500", "97", "975"), ("97600", "97", "976"),
    (" 59800 ", "59", "59"),
])
def test_departement_du_numero_et_de_la_prefecture(code_postal, numero, prefecture):
    assert du_code_postal(code_postal) == Departement(numero, prefecture)


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("code_postal", [
    "", "5980", "598000", "ABCDE", "59 800",
    "５９８００", "٥٩٨٠٠", "５9800", "59８00",  # digits of other scripts: \d accepted them
    "00000", "00100", "96000", "99000", "20700", "20999", "97000", "97700", "97800", "98000", "98800",
])
def test_un_code_postal_sans_departement_est_refuse(code_postal):
    with pytest.raises(CodePostalInvalide):
        du_code_postal(code_postal)


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("code_postal", ["５９８００", "٥٩٨٠٠", "00000", "96000"])
def test_aucun_numero_pour_un_code_postal_sans_departement(app, code_postal):
    """The postal codes that were numbered before (« ５９01… »): refused, no counter taken."""
    with app.app_context():
        demande = SimpleNamespace(numero=None, deposee_le=None, departement=None)
        ctx = SimpleNamespace(demande=demande, session=db.session, today=date(2023, 8, 16))
        with pytest.raises(CodePostalInvalide):
            HANDLERS["numeroter"](ctx, code_postal=code_postal)
        assert demande.numero is None and db.session.scalars(select(Compteur)).all() == []


@pytest.mark.feature("F-48")
def test_les_numeros_sont_en_chiffres_ascii(app):
    with app.app_context():
        for code_postal in ("20000", "20200", "97133", "97600"):
            demande = SimpleNamespace(numero=None, deposee_le=None, departement=None)
            ctx = SimpleNamespace(demande=demande, session=db.session, today=date(2023, 8, 16))
            numero = HANDLERS["numeroter"](ctx, code_postal=code_postal)["numero"]
            assert re.fullmatch(r"[0-9]{19}", numero) and numero[:2] == code_postal[:2], numero
            assert demande.departement == du_code_postal(code_postal).prefecture


@pytest.mark.feature("F-48")
def test_les_departements_des_agents_sont_ceux_des_demandes():
    """An agent can be attached exactly to the departments an application can be numbered in."""
    prefectures = {du_code_postal(f"{n:05d}").prefecture for n in range(100000)
                   if _existe(f"{n:05d}")}
    assert prefectures == PREFECTURES
    assert len(PREFECTURES) == 94 + 2 + 6
    for code in PREFECTURES:
        assert agents.normaliser_departement(code.lower()) == code
    for code in ("20", "00", "96", "977", "978", "984", "987", "988", "98", "5９"):
        with pytest.raises(agents.AgentInvalide):
            agents.normaliser_departement(code)


def _existe(code_postal: str) -> bool:
    try:
        du_code_postal(code_postal)
    except CodePostalInvalide:
        return False
    return True
