"""Answer to a « Demande de complément » (F-15), lane Usager: per document not valid,
« Maintenir le Document » (with the reasons) or « Mettre à jour le Document » (new files, rules of
F-10); « Message à l'agent »; « Valider et envoyer »."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from ..i18n import du_diagramme
from .fields import Saisie, longueur, required

L_RAISONS = lazy_gettext("Veuillez préciser les raisons du maintien du document")
L_MESSAGE = lazy_gettext("Message à l'agent")
MAINTENIR, METTRE_A_JOUR = "maintenir", "mettre_a_jour"


def documents_a_revoir(data: dict[str, Any]) -> list[dict[str, Any]]:
    titres = {p["code"]: p["titre"] for p in data.get("pieces", [])}
    return [{"code": code, "titre": titres.get(code, code), "observation": avis.get("observation", "")}
            for code, avis in (data.get("avis_documents") or {}).items() if not avis.get("valide")]


class BaseForm(Saisie):
    message_usager = TextAreaField(L_MESSAGE, validators=[longueur(L_MESSAGE, 2000)])
    codes: list[str] = []
    titres: dict[str, str] = {}
    nouveaux_fichiers: dict[str, int] = {}  # set by the page: files given this round, per document

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for code in self.codes:
            choix = self[f"reponse_{code}"].data
            if choix == MAINTENIR and not (self[f"raison_{code}"].data or "").strip():
                self[f"raison_{code}"].errors.append(required(L_RAISONS))
                ok = False
            if choix == METTRE_A_JOUR and not self.nouveaux_fichiers.get(code):
                self[f"reponse_{code}"].errors.append(
                    gettext("Joignez au moins un nouveau fichier pour « %(titre)s », ou maintenez le document.",
                            titre=self.titres[code]))
                ok = False
        return ok


def form_class(documents: list[dict[str, Any]]) -> type[BaseForm]:
    """Built for one request: the documents' titles (the DMN's) are translated now, in the page's language."""
    titres = {d["code"]: du_diagramme(d["titre"]) for d in documents}
    fields: dict[str, Any] = {"codes": [d["code"] for d in documents], "titres": titres}
    for document in documents:
        label = gettext("Votre réponse pour « %(titre)s »", titre=titres[document["code"]])
        fields[f"reponse_{document['code']}"] = RadioField(
            label, choices=[SelectChoice(MAINTENIR, lazy_gettext("Maintenir le Document")),
                            SelectChoice(METTRE_A_JOUR, lazy_gettext("Mettre à jour le Document"))],
            validators=[InputRequired(required(label))], invalid_choice_message=required(label))
        fields[f"raison_{document['code']}"] = TextAreaField(
            L_RAISONS, validators=[longueur(L_RAISONS, 2000)])
    return type("RepondreComplementForm", (BaseForm,), fields)


def build(data: dict[str, Any], formdata: Any = None) -> BaseForm:
    return form_class(documents_a_revoir(data))(formdata=formdata)


def values(form: BaseForm) -> dict[str, Any]:
    return {
        "reponse_complement": {
            code: {"choix": form[f"reponse_{code}"].data,
                   "raison": (form[f"raison_{code}"].data or "").strip() if form[f"reponse_{code}"].data == MAINTENIR
                   else ""}
            for code in form.codes
        },
        "message_usager": (form.message_usager.data or "").strip(),
    }
