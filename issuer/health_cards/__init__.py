"""The hospital's SMART Health Cards: its signing key and `iss`, the cards it issued, their revocation.

    keys.py       CardKeys            the ES256 key in the data folder, the configured `iss`, the key set
    store.py      CardStore           the cards issued (ids, rid, links to AnonCreds credentials) and the CRL
    revocation.py CardRevocations     revoke a card (its rid on the CRL at once); the cards of a credential
    service.py    HealthCardService   issue a card for vaccinations, list, revoke both ways, the portal's view
"""
