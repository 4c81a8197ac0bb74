"""F-20: the date helpers offered to DMN expressions (app/workflow/expressions.py)."""

from datetime import date

import pytest

from app.workflow.expressions import age_au, anniversaire

pytestmark = pytest.mark.feature("F-20")


@pytest.mark.parametrize(
    ("naissance", "ans", "attendu"),
    [
        (date(2007, 5, 1), 16, date(2023, 5, 1)),
        (date(2007, 5, 1), 18, date(2025, 5, 1)),
        (date(2007, 5, 1), 0, date(2007, 5, 1)),
        # Born 29 February: the birthday exists in a leap year...
        (date(2008, 2, 29), 16, date(2024, 2, 29)),
        (date(2004, 2, 29), 16, date(2020, 2, 29)),
        # ... and is 1 March in a common year (the first day the years are completed).
        (date(2004, 2, 29), 18, date(2022, 3, 1)),
        (date(2004, 2, 29), 19, date(2023, 3, 1)),
        (date(2008, 2, 29), 18, date(2026, 3, 1)),
        # 2100 is not a leap year although divisible by 4.
        (date(2084, 2, 29), 16, date(2100, 3, 1)),
        # 28 February is never moved.
        (date(2005, 2, 28), 18, date(2023, 2, 28)),
    ],
)
def test_anniversaire(naissance, ans, attendu):
    assert anniversaire(naissance, ans) == attendu


@pytest.mark.parametrize(
    ("naissance", "jour", "attendu"),
    [
        (date(2007, 5, 1), date(2023, 4, 30), 15),
        (date(2007, 5, 1), date(2023, 5, 1), 16),
        (date(2007, 5, 1), date(2025, 4, 30), 17),
        (date(2007, 5, 1), date(2025, 5, 1), 18),
        (date(2007, 5, 1), date(2026, 4, 30), 18),
        (date(2007, 5, 1), date(2026, 5, 1), 19),
        (date(2007, 12, 31), date(2024, 1, 1), 16),
        # Born 29 February 2008: 15 on 28 February 2024, 16 on 29 February 2024 (leap year).
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2008, 2, 29), date(2024, 3, 1), 16),
        # Born 29 February 2004: 18 only on 1 March 2022, 19 only on 1 March 2023 (common years).
        (date(2004, 2, 29), date(2022, 2, 28), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2004, 2, 29), date(2023, 2, 28), 18),
        (date(2004, 2, 29), date(2023, 3, 1), 19),
        (date(2004, 2, 29), date(2024, 2, 28), 19),
        (date(2004, 2, 29), date(2024, 2, 29), 20),
    ],
)
def test_age_au(naissance, jour, attendu):
    assert age_au(naissance, jour) == attendu


def test_age_au_change_exactement_le_jour_anniversaire():
    naissance = date(2004, 2, 29)
    for ans in range(1, 25):
        jour = anniversaire(naissance, ans)
        assert age_au(naissance, jour) == ans
        assert age_au(naissance, date.fromordinal(jour.toordinal() - 1)) == ans - 1
