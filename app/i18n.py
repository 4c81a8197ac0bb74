"""French and English (F-18): Flask-Babel with French as the reference language.

The msgids are the French texts as written in the code and templates (`_("Se connecter")`); the English catalogue
is app/translations/en/LC_MESSAGES/messages.po (`make traductions` extracts, updates and compiles it).
The language of a page: the account's (kept when it is chosen in the header, so mails use it), else the
`langue` cookie, else the browser's Accept-Language (fr or en), else French.
Legal documents (deposit confirmation, attestation, pieces list) stay in French whatever the language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_login import current_user

LANGUES = ("fr", "en")
DEFAUT = "fr"
COOKIE = "langue"
COOKIE_DUREE = 365 * 24 * 3600
NOMS = {"fr": "Français", "en": "English"}
TRADUCTIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def N_(texte: str) -> str:
    """Marks a text for extraction (`pybabel extract -k N_`) where it must be translated later, at use."""
    return texte


def valide(langue: object) -> str | None:
    return langue if isinstance(langue, str) and langue in LANGUES else None


def langue_du_compte() -> str | None:
    """The logged-in applicant's language, if any (agents and analysts have none)."""
    from .models import Compte

    utilisateur = current_user._get_current_object() if current_user else None  # type: ignore[attr-defined]
    return valide(getattr(utilisateur, "langue", None)) if isinstance(utilisateur, Compte) else None


def langue_choisie() -> str:
    """Flask-Babel's locale selector: account, cookie, Accept-Language, French."""
    if not has_request_context():
        return DEFAUT
    return (langue_du_compte() or valide(request.cookies.get(COOKIE))
            or request.accept_languages.best_match(LANGUES) or DEFAUT)


def langue_courante() -> str:
    locale = get_locale()
    return valide(str(locale)) if locale is not None and valide(str(locale)) else DEFAUT


@contextmanager
def en_langue(langue: str | None) -> Iterator[None]:
    """Render in `langue` (a mail in its recipient's language), whatever the page's own."""
    with force_locale(valide(langue) or DEFAUT):
        yield


def traductions() -> Any:
    """flask_babel.get_translations(), kept for the rest of the request: a page calls `_()` a hundred times, and each
    of Flask-Babel's own lookups walks several context proxies (about 10 µs, a tenth of a step page's CPU). The kept
    catalogue is used only while Flask-Babel's locale and domain of this request are the same objects (a mail
    rendered under `en_langue` forces another locale: looked up again)."""
    if not has_app_context():
        return get_translations()
    globales = g._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup, not one per attribute
    contexte = getattr(globales, "_flask_babel", None)
    locale, domaine = getattr(contexte, "babel_locale", None), getattr(contexte, "babel_domain", None)
    garde = getattr(globales, "_traductions", None)
    if garde is not None and locale is not None and garde[0] is locale and garde[1] is domaine:
        return garde[2]
    resultat = get_translations()  # sets Flask-Babel's locale and domain of the request, if not yet
    contexte = getattr(globales, "_flask_babel", None)
    globales._traductions = (getattr(contexte, "babel_locale", None), getattr(contexte, "babel_domain", None),
                             resultat)
    return resultat


def du_diagramme(texte: Any) -> Any:
    """A text the diagram states (step title, document, attestation, reason of an ineligibility) in the page's
    language: its French is the msgid (extracted from the .bpmn/.dmn files, app/i18n_diagrammes.py). Unlike `_()`
    in a template, the result stays data (escaped, never a format string); an empty text stays empty."""
    return traductions().ugettext(texte) if isinstance(texte, str) and texte else texte


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAUT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRADUCTIONS))
    babel.init_app(app, locale_selector=langue_choisie)
    # The same callables as Flask-Babel's, on the catalogue kept for the request (see traductions).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: traductions().ugettext(s),
        ngettext=lambda s, p, n: traductions().ungettext(s, p, n),
        pgettext=lambda c, s: traductions().upgettext(c, s),
        npgettext=lambda c, s, p, n: traductions().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_filter(du_diagramme)

    @app.context_processor
    def langues() -> dict[str, Any]:
        return {"langue_courante": langue_courante(), "langues_proposees": NOMS}
