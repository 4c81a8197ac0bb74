"""A small OpenID Connect provider for the tests, served on 127.0.0.1 (the part of FranceConnect we use).

Discovery, authorize (the person consents at once), token (authorization code, client_secret_post or
client_secret_basic, code single use, redirect_uri checked), JWKS, userinfo (a signed JWT, as
FranceConnect answers, or JSON) and end session. The ID token is signed RS256 with a key generated
for each provider; the identity claims are only given by userinfo, as FranceConnect does.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server


class FournisseurOIDC:
    def __init__(self, client_id: str = "client-de-test", client_secret: str = "secret-de-test") -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.cle = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4), "use": "sig", "alg": "RS256"})
        # The key published in the JWKS; a test replaces it to check that a forged signature is refused.
        self.cle_publiee = self.cle
        # Who « logs in » at the provider next; a test changes it.
        self.identite: dict[str, Any] = {}
        self.userinfo_en_jwt = True
        self.codes: dict[str, dict[str, Any]] = {}
        self.acces: dict[str, dict[str, Any]] = {}
        self.requetes: list[tuple[str, dict[str, str]]] = []
        self.app = self._application()
        self._serveur: Any = None
        self.url = ""

    # --- serving -------------------------------------------------------------------------------------------------

    def demarrer(self) -> FournisseurOIDC:
        self._serveur = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._serveur.server_port}"
        threading.Thread(target=self._serveur.serve_forever, name="oidc-provider", daemon=True).start()
        return self

    def arreter(self) -> None:
        if self._serveur:
            self._serveur.shutdown()
            self._serveur.server_close()
            self._serveur = None

    # --- tokens --------------------------------------------------------------------------------------------------

    def _signer(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.cle.kid}, claims, self.cle)

    def _client_authentifie(self) -> bool:
        if request.authorization and request.authorization.type == "basic":
            return (request.authorization.username, request.authorization.password) == (
                self.client_id, self.client_secret)
        return (request.form.get("client_id"), request.form.get("client_secret")) == (
            self.client_id, self.client_secret)

    def _application(self) -> Flask:
        app = Flask("fournisseur_oidc_de_test")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify({
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "end_session_endpoint": f"{self.url}/session/end",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "scopes_supported": ["openid", "given_name", "family_name", "birthdate", "gender", "email"],
            })

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(KeySet([self.cle_publiee]).as_dict(private=False))

        @app.get("/authorize")
        def authorize() -> Any:
            params = request.args.to_dict()
            self.requetes.append(("authorize", params))
            if params.get("client_id") != self.client_id or params.get("response_type") != "code":
                abort(400)
            if "openid" not in params.get("scope", "").split():
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"redirect_uri": params["redirect_uri"], "nonce": params.get("nonce"),
                                "identite": dict(self.identite)}
            return redirect(f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params.get('state', '')})}")

        @app.post("/token")
        def token() -> Any:
            self.requetes.append(("token", {k: v for k, v in request.form.items() if k != "client_secret"}))
            if not self._client_authentifie():
                return jsonify({"error": "invalid_client"}), 401
            donnees = self.codes.pop(request.form.get("code", ""), None)  # a code works once
            if (request.form.get("grant_type") != "authorization_code" or donnees is None
                    or donnees["redirect_uri"] != request.form.get("redirect_uri")):
                return jsonify({"error": "invalid_grant"}), 400
            maintenant = int(time.time())
            id_token = self._signer({
                "iss": self.url, "aud": self.client_id, "sub": donnees["identite"]["sub"], "iat": maintenant,
                "exp": maintenant + 60, "nonce": donnees["nonce"], "acr": "eidas1",
            })
            acces = secrets.token_urlsafe(16)
            self.acces[acces] = donnees["identite"]
            return jsonify({"access_token": acces, "token_type": "Bearer", "expires_in": 60, "id_token": id_token})

        @app.get("/userinfo")
        def userinfo() -> Any:
            entete = request.headers.get("Authorization", "")
            identite = self.acces.get(entete.removeprefix("Bearer ").strip()) if entete.startswith("Bearer ") else None
            if identite is None:
                return jsonify({"error": "invalid_token"}), 401
            if not self.userinfo_en_jwt:
                return jsonify(identite)
            claims = {"iss": self.url, "aud": self.client_id, **identite}
            return self._signer(claims), 200, {"Content-Type": "application/jwt"}

        @app.get("/session/end")
        def end_session() -> Any:
            params = request.args.to_dict()
            self.requetes.append(("end_session", params))
            cible = params.get("post_logout_redirect_uri")
            if not cible or not params.get("id_token_hint"):
                abort(400)
            return redirect(f"{cible}?{urlencode({'state': params.get('state', '')})}")

        return app

