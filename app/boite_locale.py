"""The local mail store (F-27, F-48): without SMTP, each mail is an `.eml` file that only the operator reads.

One file per mail, the full RFC 5322 message as SMTP would carry it (CRLF line ends, attachments included),
in a folder of mode 0700, files of mode 0600, written atomically: a reader never sees half a mail, and a
second delivery of the same row (a worker killed before its commit) replaces the file instead of adding one.
No web page reads this folder: a reset link shown to a visitor would be an account takeover.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

SUFFIXE = ".eml"


def preparer(dossier: Path) -> Path:
    """Create the folder if needed and keep it private to the operator's account (0700)."""
    dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
    dossier.chmod(0o700)  # an existing folder too: mkdir's mode does not apply to it
    return dossier


def deposer(dossier: Path, nom: str, message: EmailMessage) -> Path:
    """Write `message` as `dossier/nom` (temp file, fsync, rename): all or nothing, mode 0600."""
    preparer(dossier)
    final = dossier / nom
    descripteur, temporaire = tempfile.mkstemp(dir=dossier, prefix=".", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(descripteur, "wb") as fichier:
            fichier.write(message.as_bytes(policy=policy.SMTP))
            fichier.flush()
            os.fsync(fichier.fileno())
        os.replace(temporaire, final)
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise
    dossier_fd = os.open(dossier, os.O_RDONLY)
    try:  # the rename itself survives a power cut
        os.fsync(dossier_fd)
    finally:
        os.close(dossier_fd)
    return final


@dataclass(frozen=True)
class CourrielLocal:
    chemin: Path
    date: datetime | None
    destinataire: str
    sujet: str


def lister(dossier: Path) -> list[CourrielLocal]:
    """The stored mails, oldest first (file names start with the queueing time); headers only."""
    if not dossier.is_dir():
        return []
    parser = BytesHeaderParser(policy=policy.default)
    courriels = []
    for chemin in sorted(dossier.glob(f"*{SUFFIXE}")):
        with chemin.open("rb") as fichier:
            entetes = parser.parse(fichier)
        try:
            date = parsedate_to_datetime(entetes["Date"]) if entetes["Date"] else None
        except (TypeError, ValueError):
            date = None
        courriels.append(CourrielLocal(chemin, date, str(entetes["To"] or ""), str(entetes["Subject"] or "")))
    return courriels


def lire(chemin: Path) -> EmailMessage:
    with chemin.open("rb") as fichier:
        return BytesParser(policy=policy.default).parse(fichier)  # type: ignore[return-value]
