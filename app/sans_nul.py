"""NUL characters (U+0000) are dropped from form fields and query parameters before any view reads them.

PostgreSQL's text never holds NUL: one typed or pasted into any field (a login, a step, a search) reached the
database as an error, a 500 there, while SQLite stored it. It means nothing in this service's fields, so it is
removed on both databases alike (a file's name is cleaned on its own, see documents.py).
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict

NUL = "\x00"


def _nettoyee(valeurs: ImmutableMultiDict) -> ImmutableMultiDict | None:
    paires = list(valeurs.items(multi=True))
    if not any(NUL in cle or NUL in valeur for cle, valeur in paires):
        return None
    return ImmutableMultiDict([(cle.replace(NUL, ""), valeur.replace(NUL, "")) for cle, valeur in paires])


def register(app: Flask) -> None:
    @app.before_request
    def sans_caractere_nul() -> None:
        for attribut in ("args", "form"):
            nettoyee = _nettoyee(getattr(request, attribut))
            if nettoyee is not None:
                # Werkzeug caches these per request: the cleaned copy is what every later reader gets.
                setattr(request, attribut, nettoyee)
                request.__dict__.pop("values", None)
