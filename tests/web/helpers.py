"""Helpers to walk the draft with Flask's test client, CSRF on, by the same forms a browser posts."""

from __future__ import annotations

import base64
import html
import io
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import csrf_token, task_id


def login(client: Any, numero: str, mot_de_passe: str) -> Any:
    page = client.get("/connexion").get_data(as_text=True)
    return client.post(
        "/connexion", data={"csrf_token": csrf_token(page), "identifiant": numero, "mot_de_passe": mot_de_passe}
    )


def start_draft(client: Any) -> str:
    """From the situation choice to step 1; returns the step URL."""
    page = client.get("/titre-de-sejour").get_data(as_text=True)
    client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page), "situation": "vulnerabilite", "motif": "ase"})
    page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    response = client.post("/titre-de-sejour/commencer", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return response.location


def post_step(client: Any, url: str, action: str = "poursuivre", **fields: Any) -> Any:
    """Post the current step's form with the given fields and action button."""
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": action, **fields}
    return client.post(url, data=data)


STEP1 = {"adresse": "20 Rue Nationale", "numero_voie": "20", "voie": "Rue Nationale", "code_postal": "59800",
         "ville": "Lille", "pays": "FRANCE", "code_insee": "59350", "telephone": "01 01 01 01 01"}


def step2(date_placement: str, attestations: list[str], **extra: Any) -> dict[str, Any]:
    fields = {"date_prise_en_charge_ase": date_placement, "date_entree_france": "2020-01-15",
              "situation_familiale": "Célibataire", "enfants_a_charge": "non"}
    fields.update({f"attestation_{code}": "y" for code in attestations})
    fields.update(extra)
    return fields


# --- Added for the feature tests of tests/web --------------------------------------------------------

ATTESTATIONS = {"CAS_1": ["travail", "sanctions"], "CAS_2": ["travail", "polygamie", "sanctions"],
                "CAS_3": ["polygamie", "sanctions"]}
LIBELLES = {
    "travail": "Avoir besoin de disposer d'un titre afin de pouvoir travailler ou faire un stage.",
    "polygamie": "Ne pas vivre en France en état de polygamie, même si mon pays d'origine l'autorise.",
    "sanctions": "Avoir connaissance des sanctions pénales encourues par l'auteur d'une fausse attestation.",
}
NAV_BUTTONS = ["< Revenir à l'étape précédente", "Abandonner la demande", "Quitter et revenir plus tard",
               "Enregistrer et poursuivre >"]


def text(response: Any) -> str:
    """The page as a person reads it: HTML entities decoded, runs of white space made one space."""
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def get_text(client: Any, url: str) -> str:
    return text(client.get(url, follow_redirects=True))


def paris_today() -> date:
    """The applicant's day (the app counts in Europe/Paris, not in the machine's zone)."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()


def field_error(page: str, field_id: str) -> str | None:
    """The (first) error message shown right under a field (macros.errors), or None."""
    match = re.search(rf'<div id="{re.escape(field_id)}-erreur"><p class="fr-error-text">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)) if match else None


def input_value(page: str, name: str) -> str | None:
    """The value attribute of the <input name=...> of the page, or None."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def is_checked(page: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    return bool(tag) and " checked" in tag.group(0)


def main_content(page: str) -> str:
    """The <main> of the page: without the header and footer."""
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, "no <main> in the page"
    return match.group(0)


def buttons(page: str) -> list[str]:
    """The visible labels of the buttons of the page's <main>, unescaped."""
    return [html.unescape(re.sub(r"<[^>]+>", "", b)).strip()
            for b in re.findall(r"<button(?![^>]*defaut-invisible)[^>]*>(.*?)</button>", main_content(page), re.S)]


def input_date(page: str, name: str) -> date | None:
    """The date shown in a date input, whether the app writes it JJ/MM/AAAA or AAAA-MM-JJ, or in the seed's three
    parts « Jour », « Mois » (a list of month names), « Année » (`<name>-jour`, `<name>-mois`, `<name>-annee`)."""
    jour, annee = input_value(page, f"{name}-jour"), input_value(page, f"{name}-annee")
    select = re.search(rf'<select[^>]*\bname="{re.escape(name)}-mois".*?</select>', page, re.S)
    if jour is not None and annee is not None and select:
        mois = re.search(r'<option value="(\d+)" selected', select.group(0))
        try:
            return date(int(annee), int(mois.group(1)), int(jour)) if mois else None
        except ValueError:
            return None
    value = input_value(page, name)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value or "", fmt).date()
        except ValueError:
            pass
    return None


def row_containing(page: str, needle: str) -> str | None:
    """The text of the table row that contains `needle`, tags removed."""
    for row in re.findall(r"<tr\b.*?</tr>", page, re.S):
        if needle in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    return None


def step1_for(case: str, **overrides: Any) -> dict[str, Any]:
    fields = dict(STEP1, **({"emancipe": "y"} if case == "CAS_2" else {}))
    fields.update(overrides)
    return fields


def to_step2(client: Any, person: Any, case: str, **step1_overrides: Any) -> str:
    """Logged in, step 1 saved; returns the step URL (now showing step 2)."""
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    url = start_draft(client)
    response = post_step(client, url, **step1_for(case, **step1_overrides))
    assert response.status_code == 302, text(response)
    return url


def to_step3(client: Any, person: Any, case: str, **step1_overrides: Any) -> str:
    url = to_step2(client, person, case, **step1_overrides)
    response = post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS[case]))
    assert response.status_code == 302, text(response)
    return url


# A real 1×1 PNG: accepted wherever step 3 asks for files (judged by content).
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
EPHOTO = "1234567890123456789012"


def step3_fields(page: str) -> dict[str, Any]:
    """What a person gives at step 3: a small image in every file input, an ephoto number if asked.

    Nothing when the page has no upload (the documents are only listed).
    """
    fields: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        if name and 'type="file"' in tag:
            fields[name.group(1)] = (io.BytesIO(PNG_1PX), "piece.png")
        elif name and name.group(1) == "ephoto":
            fields["ephoto"] = EPHOTO
    return fields


def to_depot(client: Any, person: Any, case: str, **step1_overrides: Any) -> str:
    url = to_step3(client, person, case, **step1_overrides)
    response = post_step(client, url, **step3_fields(client.get(url).get_data(as_text=True)))
    assert response.status_code == 302
    assert "Étape 4 sur 5" in get_text(client, url), "step 3 was not passed"
    return url


def deposit(client: Any, person: Any, case: str, **step1_overrides: Any) -> tuple[str, str]:
    """The whole draft deposited; returns (step URL, confirmation URL)."""
    url = to_depot(client, person, case, **step1_overrides)
    response = post_step(client, url, observations="")
    assert response.status_code == 302 and response.location.endswith("/confirmation"), text(response)
    return url, response.location


def checked_values(page: str, name: str) -> list[str]:
    """The values of the checked boxes/radios named `name`."""
    tags = re.findall(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    return [re.search(r'\bvalue="([^"]*)"', t).group(1) for t in tags if re.search(r"\schecked\b", t)]


def selected_option(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    option = select and re.search(r'<option[^>]*\bselected\b[^>]*\bvalue="([^"]*)"|<option[^>]*\bvalue="([^"]*)"'
                                  r'[^>]*\bselected\b', select.group(1))
    return (option.group(1) or option.group(2)) if option else None


def form_values(page: str) -> dict[str, Any]:
    """What a browser sends for the page's form as it is shown (prefilled inputs, checked boxes, selected
    options, textareas), without any file input or button."""
    values: dict[str, Any] = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        kind_attr = re.search(r'\btype="([^"]+)"', tag)
        kind = kind_attr.group(1) if kind_attr else "text"
        if not name or kind in ("file", "submit", "button"):
            continue
        if kind in ("checkbox", "radio") and not re.search(r"\schecked\b", tag):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        values[name.group(1)] = html.unescape(value.group(1)) if value else ("on" if kind == "checkbox" else "")
    for name, _body in re.findall(r'<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        values[name] = selected_option(page, name) or ""
    for name, body in re.findall(r'<textarea[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(body).lstrip("\n")
    return values


def resubmit(client: Any, url: str, action: str = "poursuivre", **overrides: Any) -> Any:
    """Post the current step's form as it is shown, with some fields changed, as a person does."""
    page = client.get(url).get_data(as_text=True)
    data = {**form_values(page), **overrides, "action": action}
    return client.post(url, data=data)
