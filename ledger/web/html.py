"""Plain HTML pages of the ledger browser: readable by a person, escaped everywhere."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ledger.web.models import TransactionPage

_STYLE = "body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:.5em;overflow:auto}"


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


def transactions_page(page: TransactionPage) -> str:
    last_page = max(1, -(-page.total // page.page_size))
    nav = []
    if page.page > 1:
        nav.append(f"<a href='?page={page.page - 1}&page_size={page.page_size}'>previous</a>")
    if page.page < last_page:
        nav.append(f"<a href='?page={page.page + 1}&page_size={page.page_size}'>next</a>")
    items = "".join(
        f"<h3><a href='/ledger/{escape(page.ledger)}/{int(txn['seq_no'])}'>#{int(txn['seq_no'])}</a></h3>"
        f"<pre>{escape(json.dumps(txn['txn'], indent=2, sort_keys=True))}</pre>"
        for txn in page.results
    )
    header = (f"<p>{page.total} transactions; page {page.page} of {last_page}. "
              f"{' | '.join(nav)} | <a href='/ledger/domain'>domain</a> <a href='/ledger/pool'>pool</a> "
              f"<a href='/ledger/config'>config</a> | <a href='/status'>status</a></p>")
    return _page(f"{page.ledger} ledger", header + items)


def transaction_page(ledger: str, seq_no: int, txn: dict[str, Any]) -> str:
    body = (f"<p><a href='/ledger/{escape(ledger)}'>back to the {escape(ledger)} ledger</a></p>"
            f"<pre>{escape(json.dumps(txn, indent=2, sort_keys=True))}</pre>")
    return _page(f"{ledger} ledger #{seq_no}", body)
