"""Where a login may send the browser next (F-48): a path of this site, never another site.

`?next=` comes from the address bar, so it is an attacker's input. Browsers drop tabs and line breaks
from URLs (« /\\t/evil.example » becomes « //evil.example », another host) and read a backslash as a
slash (« /\\evil.example »); CR or LF in a Location header is a 500. So the target is parsed and kept
only if it is a plain absolute path: no scheme, no host, no backslash, no control or white-space
character, a single leading « / », also once its path is percent-decoded.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

LONGUEUR_MAX = 2000


def _propre(texte: str) -> bool:
    return texte.startswith("/") and not texte.startswith("//") and "\\" not in texte and all(
        c.isprintable() and not c.isspace() for c in texte
    )


def chemin_du_site(cible: object) -> str | None:
    """`cible` if it is a path of this site (with its query string), None otherwise."""
    if not isinstance(cible, str) or len(cible) > LONGUEUR_MAX or not _propre(cible):
        return None
    try:
        parties = urlsplit(cible)
    except ValueError:
        return None
    if parties.scheme or parties.netloc or not _propre(unquote(parties.path)):
        return None
    return cible
