"""The message catalogue is complete (F-18): no visible French text outside it in the converted templates, an English
translation for every msgid, and a compiled .mo that matches the .po.

CONVERTIS lists the templates converted to the catalogue: extend it as pages are converted.
"""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

RACINE = Path(__file__).resolve().parents[2]
MODELES = RACINE / "app" / "templates"
PO = RACINE / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

CONVERTIS = [
    "layout.html",
    "auth/connexion.html",
    "auth/creation_enregistree.html",
    "auth/creer_compte.html",
    "auth/franceconnect_inconnu.html",
    "auth/indisponible.html",
    "auth/lien_invalide.html",
    "auth/mot_de_passe.html",
    "auth/mot_de_passe_oublie.html",
    "auth/oubli_enregistre.html",
    "auth/trop_de_tentatives.html",
    "pages/accueil.html",
    "entete/contact.html",
    "entete/aide.html",
    "pages/situation.html",
    "pages/preambule.html",
    "pages/mes_demandes.html",
    "pages/_etat_usager.html",
    "pages/indisponible.html",
    "erreur.html",
    "acces_refuse.html",
    *sorted(str(p.relative_to(MODELES)) for p in (MODELES / "notifications").iterdir()),
    *sorted(str(p.relative_to(MODELES)) for p in (MODELES / "mail").iterdir()),
    "macros.html",
    *sorted(str(p.relative_to(MODELES)) for p in (MODELES / "etapes").iterdir()),
]
# Names that are the same in every language.
INVARIABLES = {"FranceConnect", "Voxusagers.gouv.fr", "ameli.fr"}
# Attributes a person reads or hears.
ATTRIBUTS_LUS = {"title", "aria-label", "alt", "placeholder"}
LETTRE = re.compile(r"[^\W\d_]")
TROU = " "  # where a Jinja expression or tag was: no letter, and valid inside an HTML tag too


def _sans_jinja(source: str) -> str:
    """The template's own text: Jinja expressions and tags, and everything inside {% trans %}, become TROU."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    morceaux, dans_trans, bloc = [], False, []
    for _ligne, genre, valeur in env.lex(source):
        if genre == "block_begin":
            bloc = []
        elif genre == "name" and not bloc:
            bloc = [valeur]
        if genre == "block_end" and bloc:
            if bloc[0] == "trans":
                dans_trans = True
            elif bloc[0] == "endtrans":
                dans_trans = False
        if genre == "data" and not dans_trans:
            morceaux.append(valeur)
        elif not morceaux or morceaux[-1] != TROU:
            morceaux.append(TROU)
    return "".join(morceaux)


class _Textes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.textes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.textes += [v for k, v in attrs if k in ATTRIBUTS_LUS and v]

    def handle_data(self, data: str) -> None:
        self.textes.append(data)


def textes_hors_catalogue(source: str, nom: str = "") -> list[str]:
    """The visible texts (text nodes and read attributes) that contain letters and are not translated."""
    propre = _sans_jinja(source)
    if nom.endswith(".txt"):
        propre = re.sub(r"^Objet : ", "", propre)  # the subject marker app/courriels.py reads, never shown
    lecteur = _Textes()
    lecteur.feed(propre)
    lecteur.close()
    restes = []
    for texte in lecteur.textes:
        mots = texte
        for invariable in INVARIABLES:
            mots = mots.replace(invariable, "")
        if LETTRE.search(mots):
            restes.append(" ".join(texte.split()))
    return restes


def test_le_detecteur_trouve_un_texte_oublie():
    oublis = textes_hors_catalogue('<p>{{ _("Bonjour") }}</p><p title="Aide">Texte oublié</p>')
    assert oublis == ["Aide", "Texte oublié"]
    assert textes_hors_catalogue("{% trans %}Bonjour {{ nom }}{% endtrans %}<b>{{ x }}</b> : 3 €") == []
    assert textes_hors_catalogue("<h1>{{ titre }}</h1> ou") == ["ou"]


@pytest.mark.feature("F-18")
@pytest.mark.parametrize("modele", CONVERTIS)
def test_aucun_texte_visible_hors_du_catalogue(modele):
    source = (MODELES / modele).read_text(encoding="utf-8")
    assert textes_hors_catalogue(source, modele) == []


def _catalogue() -> dict[object, object]:
    with PO.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def _extraits() -> set[object]:
    methodes = [("app/**.py", "python"), ("app/templates/**.html", "jinja2"), ("app/templates/**.txt", "jinja2"),
                # The diagram's texts that applicants read (babel.cfg's extractors): each needs its English too.
                ("dmn/**.dmn", "app.i18n_diagrammes:extraire_dmn"),
                ("bpmn/**.bpmn", "app.i18n_diagrammes:extraire_bpmn")]
    mots_cles = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "lazy_ngettext": (1, 2),
                 "N_": None, "pgettext": ((1, "c"), 2)}
    ids = set()
    for _fichier, _ligne, message, _commentaires, _contexte in extract_from_dir(
            str(RACINE), methodes, keywords=mots_cles):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


@pytest.mark.feature("F-18")
def test_chaque_msgid_extrait_a_une_traduction_anglaise():
    catalogue = _catalogue()
    manquants = sorted(str(m) for m in _extraits() if m not in catalogue)
    assert manquants == [], "msgids absent from messages.po (run `make traductions`, then translate them)"
    vides = sorted(str(m) for m, t in catalogue.items()
                   if not (all(t) if isinstance(t, (list, tuple)) else t))
    assert vides == [], "msgids without an English translation in messages.po"


@pytest.mark.feature("F-18")
def test_le_mo_compile_correspond_au_po():
    """The .mo is committed: it must be the .po's compilation (`make traductions`), never an older one."""
    with MO.open("rb") as f:
        compile_ = gettext.GNUTranslations(f)
    for msgid, traduction in _catalogue().items():
        if isinstance(msgid, tuple):
            assert compile_.ngettext(msgid[0], msgid[1], 1) == traduction[0], msgid
            assert compile_.ngettext(msgid[0], msgid[1], 2) == traduction[1], msgid
        else:
            assert compile_.gettext(msgid) == traduction, msgid
