"""Settings, all from environment variables (documented in README.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "oui", "yes"}


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment; otherwise one generated per machine, never in the repo."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def engine_options(database_uri: str) -> dict[str, object]:
    """SQLAlchemy engine options. SQLite: a writer waits up to 30 s for the write lock (busy timeout; pysqlite's
    default is 5 s) before « database is locked », as writes are serialized (see workflow/store.py)."""
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # PostgreSQL: a connection the server or a proxy closed (restart, idle timeout) is replaced before use, not
    # turned into a 500; connections are renewed after 30 min.
    return {"pool_pre_ping": True, "pool_recycle": 1800}


def load() -> dict[str, object]:
    instance = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'titre_sejour.db'}"),
        "BPMN_DIR": Path(os.environ.get("BPMN_DIR", ROOT / "bpmn")),
        "DMN_DIR": Path(os.environ.get("DMN_DIR", ROOT / "dmn")),
        "INSTANCE_OFFICIELLE": _flag("INSTANCE_OFFICIELLE"),
        "URL_PHOTOGRAPHES": os.environ.get(
            "URL_PHOTOGRAPHES",
            "https://permisdeconduire.ants.gouv.fr/services-associes/ou-faire-ma-photo-et-ma-signature-numerisee",
        ),
        "URL_TRADUCTEURS": os.environ.get(
            "URL_TRADUCTEURS", "https://www.service-public.fr/particuliers/vosdroits/F12956"
        ),
        "AUJOURDHUI": os.environ.get("AUJOURDHUI") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "DOCUMENTS_DIR": Path(os.environ.get("DOCUMENTS_DIR", instance / "documents")),
        # The last relevé of the workflow tests (`make couverture`), read by the analysts' coverage page.
        "COUVERTURE_FICHIER": Path(os.environ.get("COUVERTURE_FICHIER", instance / "couverture-processus.json")),
        "URL_BASE": os.environ.get("URL_BASE", "http://127.0.0.1:5000"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_TLS": os.environ.get("SMTP_TLS", "starttls"),
        "SMTP_UTILISATEUR": os.environ.get("SMTP_UTILISATEUR", ""),
        "SMTP_MOT_DE_PASSE": os.environ.get("SMTP_MOT_DE_PASSE", ""),
        "MAIL_EXPEDITEUR": os.environ.get("MAIL_EXPEDITEUR", "ne-pas-repondre@titre-sejour-ase.example.org"),
        "MAIL_EXPEDITEUR_NOM": os.environ.get(
            "MAIL_EXPEDITEUR_NOM", "La Direction Générale des Etrangers en France"
        ),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "10")),
        # Without SMTP_HOST, mail goes to .eml files here, readable by the operator only (never by a web page).
        "MAIL_DOSSIER": Path(os.environ.get("MAIL_DOSSIER", instance / "courriels")),
        # A worker's claim on a mail: killed mid-send, it holds that one mail back this long. Longer than one send.
        "MAIL_RESERVATION": float(os.environ.get("MAIL_RESERVATION", "60")),
        "WORKER_INTERVALLE": float(os.environ.get("WORKER_INTERVALLE", "5")),
        # A worker's claim on a deposit confirmation PDF to draw (app/confirmations.py): killed, it holds it this long.
        "PDF_RESERVATION": float(os.environ.get("PDF_RESERVATION", "60")),
        # A timer worker's claim on a batch of due applications (app/timers.py): killed, it holds them this long.
        "DELAIS_RESERVATION": float(os.environ.get("DELAIS_RESERVATION", "120")),
        # Rate-limit counters: « base:// » is the application's database, shared by every process (app/limites.py).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "base://",
        # Number of trusted proxies in front of the app whose X-Forwarded-For is honoured (0: none, the peer counts).
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR") or "0"),
        "SESSION_INACTIVITE_MINUTES": int(os.environ.get("SESSION_INACTIVITE_MINUTES") or "30"),
        "FC_ISSUER": os.environ.get("FC_ISSUER", ""),
        "FC_CLIENT_ID": os.environ.get("FC_CLIENT_ID", ""),
        "FC_CLIENT_SECRET": os.environ.get("FC_CLIENT_SECRET", ""),
        "FC_ACR_VALUES": os.environ.get("FC_ACR_VALUES", "eidas1"),
        # One file of 10 MB at most per request, plus the form fields: larger bodies are refused early.
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024 + 256 * 1024,
    }
