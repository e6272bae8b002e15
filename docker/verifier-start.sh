#!/bin/sh
# Start the verifier controller in its container (docker-compose's verifier-controller).
#
# The hospital's DID restricts every proof request to credentials it issued: MEDCRED_VERIFIER_ISSUER_DID
# when set, else the DID that the issuer-did one-shot wrote into the shared volume. Without either the
# controller still starts, and warns that requests are restricted by schema name only.
set -eu

did_file=${MEDCRED_VERIFIER_ISSUER_DID_FILE:-/shared/issuer-did}
if [ -z "${MEDCRED_VERIFIER_ISSUER_DID:-}" ] && [ -s "$did_file" ]; then
    MEDCRED_VERIFIER_ISSUER_DID=$(head -n 1 "$did_file")
    export MEDCRED_VERIFIER_ISSUER_DID
fi
echo "verifier: trusting credentials issued by ${MEDCRED_VERIFIER_ISSUER_DID:-<any issuer: no DID given>}"
exec uvicorn --factory verifier:create_app --host 0.0.0.0 --port "${MEDCRED_VERIFIER_PORT:-8003}"
