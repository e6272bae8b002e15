# The two commands a newcomer runs; both set up what they need first (scripts/bootstrap.sh).
.PHONY: demo test bootstrap lint clean

demo: bootstrap
	.venv/bin/medcred demo

test: bootstrap
	bash scripts/test.sh

bootstrap:
	@bash scripts/bootstrap.sh

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/mypy agents issuer holder verifier ledger medcred audit stack docker

clean:
	rm -rf .venv .venv-validators
