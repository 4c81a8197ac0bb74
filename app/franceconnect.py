"""FranceConnect (F-03): an OpenID Connect client (Authlib), authorization-code flow.

Configured by FC_ISSUER, FC_CLIENT_ID and FC_CLIENT_SECRET (README); without them the button says that
FranceConnect is not available on this instance. The provider is read from its discovery document
(`<FC_ISSUER>/.well-known/openid-configuration`). Authlib checks the state, the nonce and the ID token
(signature against the provider's JWKS, issuer, audience, expiry). The identity claims (given_name,
family_name, birthdate, and gender when given) are taken from the ID token, or else from the userinfo
endpoint, which FranceConnect answers with a signed JWT (checked against the same keys) and other
providers in JSON. app/comptes.py links that identity to the register.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import current_app, url_for
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

NOM = "franceconnect"
SCOPE = "openid given_name family_name birthdate gender email"
CLAIMS_IDENTITE = ("given_name", "family_name", "birthdate")


class ReponseInvalide(Exception):
    """The provider answered something we cannot trust or read."""


def configure() -> bool:
    conf = current_app.config
    return bool(conf.get("FC_ISSUER") and conf.get("FC_CLIENT_ID") and conf.get("FC_CLIENT_SECRET"))


def client() -> FlaskOAuth2App | None:
    """The OpenID Connect client for the current settings, made once per app (and again if they change)."""
    if not configure():
        return None
    conf = current_app.config
    reglages = (conf["FC_ISSUER"].rstrip("/"), conf["FC_CLIENT_ID"], conf["FC_CLIENT_SECRET"])
    cache = current_app.extensions.setdefault("franceconnect", {})
    if cache.get("reglages") != reglages:
        oauth = OAuth(current_app._get_current_object())  # type: ignore[attr-defined]
        cache["client"] = oauth.register(
            NOM,
            client_id=reglages[1],
            client_secret=reglages[2],
            server_metadata_url=f"{reglages[0]}/.well-known/openid-configuration",
            # FranceConnect's access token lives 60 s: Authlib's default leeway (60 s) would take it as
            # already expired when reading userinfo.
            client_kwargs={"scope": SCOPE, "token_endpoint_auth_method": "client_secret_post", "timeout": 10,
                           "leeway": 5},
        )
        cache["reglages"] = reglages
    return cache["client"]


def url_retour(endpoint: str) -> str:
    """Our address as the provider must call it back: URL_BASE, as registered with the provider."""
    return current_app.config["URL_BASE"].rstrip("/") + url_for(endpoint)


def parametres_autorisation() -> dict[str, str]:
    acr = current_app.config.get("FC_ACR_VALUES")
    return {"acr_values": acr} if acr else {}


def identite(fc: FlaskOAuth2App, token: dict[str, Any]) -> dict[str, Any]:
    """The claims of the ID token, completed by the userinfo endpoint when the identity is not in it."""
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise ReponseInvalide("jeton d'identité absent")
    if all(claims.get(c) for c in CLAIMS_IDENTITE):
        return claims
    metadata = fc.load_server_metadata()
    if not metadata.get("userinfo_endpoint"):
        return claims
    reponse = fc.get(metadata["userinfo_endpoint"], token=token)
    reponse.raise_for_status()
    if reponse.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        try:
            decode = jwt.decode(reponse.text.strip(), KeySet.import_key_set(fc.fetch_jwk_set()))
        except (JoseError, ValueError) as err:
            raise ReponseInvalide(f"userinfo : {err}") from err
        infos = decode.claims
        if infos.get("iss") not in (None, metadata.get("issuer")) or infos.get("aud") not in (
            None, fc.client_id, [fc.client_id]
        ):
            raise ReponseInvalide("userinfo : émetteur ou destinataire inattendu")
    else:
        infos = reponse.json()
    if str(infos.get("sub")) != str(claims["sub"]):
        raise ReponseInvalide("userinfo : sujet différent de celui du jeton d'identité")
    return {**infos, **{k: v for k, v in claims.items() if v}}
