"""Whole numbers read from user input (URLs, buttons, query strings): ASCII digits only, within a database id.

`str.isdigit()` accepts « ² » or « ٥ », which `int()` then refuses or reads as another number, and an id
above 2^63 overflows the database driver: both were 500s. Anything else is simply « not a number ».
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

ID_MAX = 2**63 - 1
_CHIFFRES = re.compile(r"[0-9]{1,19}")


def entier(texte: str | None, maximum: int = ID_MAX) -> int | None:
    """The number written in ASCII digits, if it is one between 0 and `maximum`; None otherwise."""
    if texte is None or not _CHIFFRES.fullmatch(texte):
        return None
    valeur = int(texte)
    return valeur if valeur <= maximum else None


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits up to a database id; larger numbers are a 404, not an overflow."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: ANN001 - werkzeug's signature
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
