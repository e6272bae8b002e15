"""Patients' shares of their health records, as SMART Health Links.

    service      SharingService: the patient portal's side (create, list, revoke a share)
    access       ShareAccess: the public side (manifest, files, proofs; the link is the capability)
    store        ShareStore: what the hospital keeps of each share and its tickets; ShareLocks
    files        a stored record as a link's file (always application/fhir+json)
    disclosures  the accounting of disclosures: who opened which share, and what they downloaded
    models       the API models: share requests and views, file proofs, disclosures
"""
