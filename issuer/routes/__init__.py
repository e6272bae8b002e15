"""The hospital API, one module per resource.

Staff (the staff key in `X-API-Key`):
    identity     GET /issuer                                   public DID and credential definitions
    patients     PUT /patients/{ref}, POST .../invitation, POST .../credentials
    records      POST /patients/{ref}/records, GET /patients/{ref}/records
    credentials  GET /credentials, GET /credentials/{id}[?wait=s], POST /credentials/{id}/revoke
    health_cards POST /patients/{ref}/health-cards, GET /health-cards, GET /health-cards/{id}, POST .../revoke
The patients' wallet service, for a patient (the portal key in `X-API-Key`):
    portal       GET /portal/hospital (its public DID); for the patient named by the DIDs of their
                 connection (X-Patient-DID, X-Hospital-DID): /portal/patient/records,
                 .../records/{id}/erase, .../shares, .../shares/{id}/revoke, .../disclosures, .../health-cards
Anyone (the SMART Health Cards specification requires it):
    well_known   GET /.well-known/jwks.json, GET /.well-known/crl/{kid}.json
Anyone holding a SMART Health Link (the link is the capability):
    shl          POST /shl/{share_id}, GET /shl/{share_id}/files/{file_id}?ticket=, GET /shl/{share_id}/proofs?ticket=

Routes are thin: they parse, call one service function (each takes its service from `issuer.deps`), and
return a response model.
"""
