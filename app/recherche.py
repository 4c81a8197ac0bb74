"""The search of the agents' queue on PostgreSQL (F-31, F-47): the three names in one text, which a trigram index of
migration 0010 holds (its expression must stay the same, word for word, for the planner to use it); the number has
its own trigram index, which `numero LIKE '%…%'` uses as it is.

A search word never contains a space (the query is split on whitespace, `%` and `_` are escaped), so it is found in
this text exactly when it is found in one of the names: `ILIKE` over it gives the same rows as one `ILIKE` per name.
"""

from __future__ import annotations

from typing import Any

INDEX_NOMS = "ix_demande_noms_trigrammes"
INDEX_NUMERO = "ix_demande_numero_trigrammes"
NOMS_EN_UN = ("coalesce(demande.nom_naissance, '') || ' ' || coalesce(demande.nom_usage, '') || ' ' "
              "|| coalesce(demande.prenoms, '')")


def dans_les_modeles(objet: Any, nom: str | None, type_: str, reflete: bool, compare_a: Any) -> bool:
    """Alembic's `include_object`: the trigram indexes exist only on PostgreSQL, and only where `pg_trgm` could be
    installed, so the models do not declare them and `flask db check` must not ask to drop them."""
    return not (type_ == "index" and reflete and nom in (INDEX_NOMS, INDEX_NUMERO))
