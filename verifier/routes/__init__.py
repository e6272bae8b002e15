"""The verifier's HTTP routes, one module per resource; every one of them needs the staff API key."""
