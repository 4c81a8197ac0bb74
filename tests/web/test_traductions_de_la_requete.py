"""The catalogue kept for a request (app/i18n.py `traductions`, issue 13): a page's texts are looked up once per
request, yet a mail rendered in its recipient's language during that request is in that language, and the page
after it in the page's own."""

from __future__ import annotations

import pytest
from flask import render_template_string

from app.i18n import du_diagramme, en_langue

pytestmark = pytest.mark.feature("F-47")

GABARIT = "{{ _('Mes notifications') }} / {{ 'janvier'|du_diagramme }}"


def test_une_langue_forcee_pendant_la_requete_puis_celle_de_la_page(app) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert render_template_string(GABARIT) == "Mes notifications / janvier"
        with en_langue("en"):  # a mail to an English-speaking applicant, sent from this French page
            assert render_template_string(GABARIT) == "My notifications / January"
            assert du_diagramme("janvier") == "January"
        assert render_template_string(GABARIT) == "Mes notifications / janvier"
        assert du_diagramme("janvier") == "janvier"


def test_la_langue_de_chaque_requete(app) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(GABARIT) == "My notifications / January"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert render_template_string(GABARIT) == "Mes notifications / janvier"
    with app.app_context():  # outside a request (a worker's mail): French unless forced
        assert render_template_string(GABARIT) == "Mes notifications / janvier"
        with en_langue("en"):
            assert render_template_string(GABARIT) == "My notifications / January"
