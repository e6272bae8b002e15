"""The codes the apps name in words: CVX vaccines and SNOMED CT allergy substances that the hospital's
forms offer and that the wallet reads on a SMART Health Card (which carries the code, not its name).
Any other code is shown as it is. The first vaccine is the desk form's default.

    VACCINES["208"]       # "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose"
"""

from __future__ import annotations

__all__ = ["CVX", "SUBSTANCES", "VACCINES", "vaccine_name"]

CVX = "http://hl7.org/fhir/sid/cvx"
VACCINES = {
    "208": "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose", "207": "COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5mL dose",
    "141": "Influenza, seasonal, injectable", "115": "Tdap", "03": "MMR", "08": "Hepatitis B, adolescent or pediatric",
}  # fmt: skip
SUBSTANCES = {"91936005": "Allergy to penicillin", "91935009": "Allergy to peanut", "300916003": "Latex allergy"}


def vaccine_name(system: str | None, code: str | None) -> str:
    """A vaccine in words: its CVX name when known, else its code (with its system, if not CVX)."""
    if system in (CVX, None):
        return VACCINES.get(code or "", code or "unknown vaccine")
    return f"{system} {code}"
