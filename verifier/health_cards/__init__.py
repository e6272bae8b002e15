"""Verifying SMART Health Cards: the trust list, the issuers' keys and CRLs, the checks, FHIR out.

    trust.py     TrustList            issuers trusted, in the VCI directory's shape, with JWKS and CRL snapshots
    fetch.py     KeyFetcher           live JWKS / CRL fetching, when enabled: https, time and size limits, no redirects
    checks.py    CardChecker          one card (JWS): verified, or refused with its reason
    service.py   CardVerifications    a card from any form (shc:/, QR image, file, SMART Health Link), kept for FHIR out
    models.py    the API's models
"""
