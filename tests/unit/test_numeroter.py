"""The `numeroter` service handler (F-26): 19 digits, sequence from a counter row."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.tasks import HANDLERS
from app.tasks.numeroter import departement, departement_prefecture


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


@pytest.mark.parametrize("code_postal,attendu", [("59800", "59"), ("20000", "20"), ("97400", "97"), ("01000", "01")])
def test_departement(code_postal, attendu):
    assert departement(code_postal) == attendu


@pytest.mark.parametrize("code_postal", ["", "5980", "ABCDE", "598000"])
def test_departement_refuse_un_code_postal_invalide(code_postal):
    with pytest.raises(ValueError):
        departement(code_postal)


@pytest.mark.parametrize("code_postal,attendu", [("59800", "59"), ("20000", "2A"), ("20200", "2B"), ("97400", "974"),
                                                 ("97600", "976"), ("75011", "75")])
def test_departement_de_la_prefecture(code_postal, attendu):
    assert departement_prefecture(code_postal) == attendu
