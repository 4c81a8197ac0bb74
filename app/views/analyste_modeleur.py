"""The modelers in the analysts' space (F-45): any stored version's BPMN or DMN file opened in bpmn-js (with the
spiffworkflow extensions) or dmn-js.

Nothing is saved in the app from this page: « Télécharger le fichier exporté » gives the analyst the file as the
modeler writes it, to be committed to bpmn/ or dmn/. Drafts saved from the modeler are the drafts' pages' business;
a page showing the modeler (macro analyste/_modeleur.html) takes the decorator `avec_les_modeleurs`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path, PurePosixPath
from typing import Any

from flask import abort, current_app, make_response, render_template, url_for
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import VersionProcessus
from ..securite import politique
from .acces import analyste_requis
from .analyste import bp

TYPES = {".bpmn": "bpmn", ".dmn": "dmn"}
BUNDLES = ("vendor/bpmn-js/bpmn-modeler.production.min.js", "vendor/dmn-js/dmn-modeler.production.min.js",
           "vendor/properties-panel/bpmn-js-properties-panel.umd.js")
# Style attributes the bundles write as HTML text: literal ones (the bpmn.io logo that its licence requires on the
# drawing, a dragged column's image, menu icons, the properties panel's frame) and those joined from a list (the
# logo's « powered by » box).
STYLE_LITTERAL = re.compile(r'style="([^"\'+]*)"')
STYLE_JOINT = re.compile(r'style="\'\+\w+\(\[((?:"[^"]*",?)+)\]\)')


def type_de_fichier(nom: str) -> str | None:
    """« bpmn » or « dmn » for a process file's name, None for anything else."""
    return TYPES.get(PurePosixPath(nom).suffix)


@lru_cache(maxsize=4)
def _empreintes_des_styles(statique: str) -> tuple[str, ...]:
    styles: set[str] = set()
    for bundle in BUNDLES:
        chemin = Path(statique) / bundle
        if not chemin.is_file():
            continue
        texte = chemin.read_text(encoding="utf-8")
        styles.update(json.loads(f'"{s}"') for s in STYLE_LITTERAL.findall(texte))
        styles.update(";".join(json.loads(f"[{s}]")) for s in STYLE_JOINT.findall(texte))
    return tuple(sorted("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
                        for s in styles))


def politique_des_modeleurs() -> str:
    """The app's Content-Security-Policy, plus the bundles' own style attributes allowed one by one by their hash
    (style-src-attr 'unsafe-hashes'): nothing else inline, no script. Without it Chromium blocks them and reports
    each as an error (the logo would also lose its place)."""
    base = politique(str(current_app.config.get("FC_ISSUER") or ""))
    empreintes = _empreintes_des_styles(str(current_app.static_folder))
    return f"{base}; style-src-attr 'unsafe-hashes' {' '.join(empreintes)}" if empreintes else base


def avec_les_modeleurs(vue: Callable[..., Any]) -> Callable[..., Response]:
    """For a view whose page shows the modeler: its answer carries `politique_des_modeleurs()`."""
    @wraps(vue)
    def decoree(*args: Any, **kwargs: Any) -> Response:
        reponse = make_response(vue(*args, **kwargs))
        if reponse.mimetype == "text/html":
            reponse.headers["Content-Security-Policy"] = politique_des_modeleurs()
        return reponse
    return decoree


@bp.route("/versions/<int:version_id>/fichiers/<path:nom>/modeleur")
@analyste_requis
@avec_les_modeleurs
def modeleur_version(version_id: int, nom: str) -> str:
    """Un fichier d'une version ouvert dans le modeleur, pour l'exporter ; rien n'est enregistré dans l'application."""
    version = db.session.get(VersionProcessus, version_id)
    genre = type_de_fichier(nom)
    if version is None or nom not in version.fichiers or genre is None:
        abort(404)
    return render_template(
        "analyste/modeleur_version.html", version=version, nom=nom, type=genre,
        nom_simple=PurePosixPath(nom).name,
        xml_url=url_for("analyste.fichier_version", version_id=version.id, nom=nom),
        autres=sorted(n for n in version.fichiers if type_de_fichier(n) and n != nom),
    )
