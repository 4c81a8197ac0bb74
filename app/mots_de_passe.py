"""Password hashing for every kind of account (applicants, agents, analysts): Argon2id (argon2-cffi).

Parameters: OWASP's Password Storage Cheat Sheet, Argon2id, first of its equivalent settings — « a minimum
configuration of 19 MiB of memory, an iteration count of 2, and 1 degree of parallelism »
(https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id). argon2-cffi's default
(RFC 9106 low-memory: 64 MiB, t=3, p=4) costs about five times the CPU and three times the memory per login for no
gain OWASP asks for. A hash made with other parameters (older ones) is replaced at the next successful login.

`ARGON2_PARAMETRES` (a dict of time_cost, memory_cost in KiB, parallelism), set only through `create_app`'s
overrides, never from the environment, lets the tests log in in milliseconds; production uses OWASP's.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

OWASP = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    """The hasher of these parameters and a hash of theirs to verify when the account is unknown (same time)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)
    return hasher, hasher.hash("compte-inexistant")


def _courant() -> tuple[PasswordHasher, str]:
    parametres = current_app.config.get("ARGON2_PARAMETRES") if has_app_context() else None
    return _hasher(**(parametres or OWASP))


def hacher(mot_de_passe: str) -> str:
    return _courant()[0].hash(mot_de_passe)


def verifier(empreinte: str | None, mot_de_passe: str) -> tuple[bool, str | None]:
    """Whether `mot_de_passe` matches `empreinte`, and if it does but `empreinte` was made with other parameters,
    the new hash to store in its place (else None).

    `empreinte` None (an unknown or passwordless account): a dummy hash is verified, so that the answer takes the same
    time whether the account exists or not, and the answer is no."""
    hasher, factice = _courant()
    try:
        hasher.verify(empreinte or factice, mot_de_passe or "")
    except (VerificationError, InvalidHashError):
        return False, None
    if not empreinte:
        return False, None
    return True, (hasher.hash(mot_de_passe) if hasher.check_needs_rehash(empreinte) else None)
