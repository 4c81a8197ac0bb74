"""Whole numbers read from user input (URLs, buttons, query strings): ASCII digits only, within a database id.

`str.isdigit()` accepts « ² » or « ٥ », which `int()` then refuses or reads as another number, and an id
above the id column's range overflows the database driver: both were 500s. Anything else is simply « not a number ».
The ids are `Integer` columns: 64 bits on SQLite, but 32 on PostgreSQL (`integer`), whose limit is the one kept.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1
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
