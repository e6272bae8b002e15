"""Patients' health records, kept encrypted off-chain by the hospital and erasable at the patient's request.

    service    HealthRecordService: store an upload, list a patient's records, erase one (crypto-shredding)
    store      RecordStore: the encrypted store (a ciphertext file per record, the index, the audit events)
    crypto     the KEK, per-record data keys, AES-256-GCM
    keys       where the KEK comes from, and which data folder it belongs to
    index      the store's SQLite index: records, wrapped data keys, tombstones
    content    what the store accepts: safe names, media types, valid FHIR R4
    files      ciphertext files written atomically, strays removed
    anchors    where each record's sha256 is anchored (its audit entry and inclusion proof)
    models     the API models: uploads, record views, erasures
"""
