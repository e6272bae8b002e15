"""A finished verification as FHIR R4, for an EHR: a `collection` Bundle of what was revealed or signed,
and a `Provenance` that names the issuer, the method and when it was checked.

    proof_bundle(verification, verifier="Riverside Clinic")     # an AnonCreds proof (verifier.models.Verification)
    card_bundle(card_verification, verifier="Riverside Clinic") # the verified SMART Health Cards of one verification

    service.py    FhirOut: a verification read back by its id, as a bundle (the routes' service)
    resources.py  the shared parts: entries with urn:uuid fullUrls, Provenance, checked FHIR primitives
    proofs.py     vaccination-status -> Immunization, allergy-check -> AllergyIntolerance,
                  insurance-eligibility -> Patient with its identifier; predicates proven, never values
    cards.py      each verified card -> its Patient (name, birth date) and Immunizations

Nothing is added that the proof did not reveal or the card did not sign: a vaccine code without a system
stays without one, a predicate is stated as proven (`dose_number >= 2`), not as a number. Every bundle is
validated with fhir.resources (R4B models, R4's shapes) before it is answered; a value that cannot be a
FHIR primitive becomes text. Not verified (pending, failed, or no card verified): a 409.
"""

from verifier.fhir_out.cards import card_bundle
from verifier.fhir_out.proofs import proof_bundle
from verifier.fhir_out.resources import FHIR_BUNDLE, FHIR_JSON, fhir_response
from verifier.fhir_out.service import FhirOut

__all__ = ["FHIR_BUNDLE", "FHIR_JSON", "FhirOut", "card_bundle", "fhir_response", "proof_bundle"]
