"""A decision table in Chromium (F-43, F-45): the analyst opens a table from the list, dmn-js draws it under the CSP
(no violation, no console error), the form tries it and the page shows the rule that applies, marked in the drawing
too; a try that cannot be evaluated puts the focus on the error summary; the page holds at 360 px."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite

pytestmark = [pytest.mark.e2e]

ANALYSTE = {"email": "analyste@demo.example.org", "mot_de_passe": "Demo-Analyste-1!"}
TELEPHONE_360 = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
                 "has_touch": True}
ECOUTE_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.signalerViolationCsp([e.effectiveDirective, e.blockedURI || "(inline)", location.pathname].join(" | "));
}, true);
"""


@dataclass
class Violations:
    liste: list[str] = field(default_factory=list)


def page_surveillee(new_page, **options) -> tuple[Page, Violations]:
    violations = Violations()
    page = new_page(**options)
    page.context.expose_function("signalerViolationCsp", lambda violation: violations.liste.append(violation))
    page.context.add_init_script(ECOUTE_VIOLATIONS)
    return page, violations


def se_connecter_analyste(page: Page) -> None:
    page.goto("/analyste/connexion")
    page.get_by_label("Adresse email").fill(ANALYSTE["email"])
    page.get_by_label("Mot de passe").fill(ANALYSTE["mot_de_passe"])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Espace analyste", level=1)).to_be_visible()


def ouvrir_cas_usager(page: Page) -> None:
    page.get_by_role("link", name="Tables de décision").first.click()
    expect(page.get_by_role("heading", name="Tables de décision", level=1)).to_be_visible()
    verifier_accessibilite(page, "tables de décision")
    page.get_by_role("link", name="Cas de l'usager", exact=True).click()
    expect(page.get_by_role("heading", name="Table de décision « Cas de l'usager »")).to_be_visible()
    expect(page.locator("#decision-dmn")).to_have_attribute("data-pret", "oui")
    verifier_accessibilite(page, "table « Cas de l'usager »")


@pytest.mark.feature("F-43")
@pytest.mark.feature("F-45")
def test_l_analyste_voit_la_table_et_l_essaie(page: Page, new_page) -> None:
    page, violations = page_surveillee(new_page, viewport={"width": 1280, "height": 900})
    se_connecter_analyste(page)
    ouvrir_cas_usager(page)
    dessin = page.locator("#decision-dmn")
    # dmn-js drew the table of this decision: its name, its five rules, their cells.
    expect(dessin.locator(".decision-table-name")).to_have_text("Cas de l'usager")
    expect(dessin.locator("tbody tr")).to_have_count(5)
    expect(dessin.get_by_text('"MOINS_16"')).to_be_visible()
    expect(dessin.get_by_text("Mineur de 16 ou 17 ans émancipé", exact=True)).to_be_visible()

    page.get_by_label("Âge à la date du jour (années révolues)").fill("17")
    page.get_by_label("Mineur (+16 ans) émancipé").select_option("oui")
    page.get_by_role("button", name="Essayer la décision").click()

    expect(page.locator("#regles-trouvees")).to_have_text(
        "Règle qui s'applique : n° 3 (« Mineur de 16 ou 17 ans émancipé »).")
    expect(page.locator("#sorties-essai tbody tr")).to_have_count(1)
    expect(page.locator("#sorties-essai tbody tr td").nth(1)).to_have_text("CAS_2")
    expect(page.locator("#resultat-essai")).to_be_focused()
    expect(page.locator("#decision-dmn")).to_have_attribute("data-pret", "oui")
    # The matching row is marked in the drawing (every cell of rule 3), and in the HTML rules table.
    marquees = page.locator("#decision-dmn .decision-regle-trouvee")
    expect(marquees.first).to_be_visible()
    assert marquees.count() >= 6  # 2 inputs + 4 outputs of rule 3
    expect(page.locator("#regles tr.regle-trouvee th")).to_have_text(re.compile(r"^3\s+s'applique$"))
    # The form keeps what was typed.
    expect(page.get_by_label("Âge à la date du jour (années révolues)")).to_have_value("17")
    verifier_accessibilite(page, "essai de la table : règle trouvée")

    # No age: the rules compare it, the table cannot be evaluated; the summary takes the focus.
    page.get_by_label("Âge à la date du jour (années révolues)").fill("")
    page.get_by_role("button", name="Essayer la décision").click()
    resume = page.locator("#erreurs")
    expect(resume).to_be_focused()
    expect(resume).to_contain_text("La table n'a pas pu être évaluée avec ces valeurs (règle 1 :")
    expect(page).to_have_title(re.compile(r"^Erreur : Table « Cas de l'usager »"))
    expect(page.get_by_label("Âge à la date du jour (années révolues)")).to_have_attribute("aria-invalid", "true")
    verifier_accessibilite(page, "essai de la table : erreur")
    resume.get_by_role("link").click()
    expect(page.get_by_label("Âge à la date du jour (années révolues)")).to_be_focused()

    # 16 years old, not emancipated: rule 2, the first case.
    page.get_by_label("Âge à la date du jour (années révolues)").fill("16")
    page.get_by_label("Mineur (+16 ans) émancipé").select_option("non")
    page.get_by_role("button", name="Essayer la décision").click()
    expect(page.locator("#regles-trouvees")).to_contain_text("n° 2 (« Mineur de 16 ou 17 ans non émancipé »)")
    assert violations.liste == []


@pytest.mark.feature("F-45")
def test_collect_et_telephone(new_page) -> None:
    """At 360 px: the COLLECT table of the attestations, every matching rule listed; no page-wide side scroll."""
    page, violations = page_surveillee(new_page, **TELEPHONE_360)
    se_connecter_analyste(page)
    page.goto("/analyste/decisions")
    page.get_by_role("link", name="Attestations sur l'honneur", exact=True).click()
    expect(page.locator("#decision-dmn")).to_have_attribute("data-pret", "oui")
    page.locator("#entree_1").select_option("CAS_2")
    page.get_by_role("button", name="Essayer la décision").click()
    expect(page.locator("#regles-trouvees")).to_have_text(
        "3 règles s'appliquent : n° 1 (« CAS 1 et CAS 2 »), n° 2 (« CAS 2 et CAS 3 »), n° 3 (« Tous les cas »).")
    verifier_accessibilite(page, "table COLLECT essayée, téléphone")
    largeur = page.evaluate("document.documentElement.scrollWidth")
    assert largeur <= 360, f"the page scrolls sideways at 360 px ({largeur} px wide)"
    page.locator("#entree_1").select_option("")
    page.get_by_role("button", name="Essayer la décision").click()
    expect(page.locator("#regles-trouvees")).to_have_text("Règle qui s'applique : n° 3 (« Tous les cas »).")
    assert violations.liste == []
