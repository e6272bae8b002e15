"""The hospital API, one module per resource; every route takes the staff key (`X-API-Key`).

    identity     GET /issuer                                   public DID and credential definitions
    patients     PUT /patients/{ref}, POST .../invitation, POST .../credentials
    credentials  GET /credentials, GET /credentials/{id}[?wait=s], POST /credentials/{id}/revoke

Routes are thin: they parse, call one service function (`issuer.service`), and return a response model.
"""
