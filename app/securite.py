"""Security headers on every response, and a session cookie marked Secure whenever the request came over HTTPS.

The Content-Security-Policy allows no inline script nor eval: the pages' scripts are files under static/js.
What the DSFR (served locally, app/static/dsfr) needs under it, checked in a real browser
(tests/e2e/test_csp_navigateur.py):
- its JS module (dsfr.module.min.js) from 'self'. It changes styles only through the CSSOM (element.style,
  style.setProperty), which CSP does not govern, so style-src needs no 'unsafe-inline';
- its icons (masks) and fonts as files from 'self', and about seventy small SVGs as data: URIs in dsfr.min.css
  (checkboxes, radios, toggles, select arrows): img-src 'self' data:.
A response that sets its own policy keeps it (the stored documents, framed by the agent's review page, are
served with frame-ancestors 'self'). Referrer-Policy same-origin: the password link's token, in its address,
never leaves for another site, and Flask-WTF's HTTPS check still gets the same-origin Referer it needs.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

POLITIQUE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",  # the agent's review page shows the applicant's PDFs in an <iframe>
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@lru_cache(maxsize=8)
def politique(fc_issuer: str = "") -> str:
    """The Content-Security-Policy of pages. With FranceConnect configured, the logout form's answer redirects to
    the provider (browsers apply form-action to that redirect too): its origin is allowed there."""
    directives = dict(POLITIQUE)
    origine = urlsplit(fc_issuer)
    if origine.scheme in {"http", "https"} and origine.netloc:
        directives["form-action"] += f" {origine.scheme}://{origine.netloc}"
    return "; ".join(f"{nom} {valeur}" for nom, valeur in directives.items())


class SessionSecurisee(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag when SESSION_COOKIE_SECURE is set or when the request
    itself came over HTTPS (behind a proxy: gunicorn sets the scheme from X-Forwarded-Proto for the addresses in
    FORWARDED_ALLOW_IPS; ProxyFix here reads X-Forwarded-For only)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def register(app: Flask) -> None:
    app.session_interface = SessionSecurisee()

    @app.after_request
    def entetes_de_securite(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", politique(str(current_app.config.get("FC_ISSUER") or "")))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers that predate it
        return response
