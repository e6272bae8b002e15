"""Plain HTML pages of the ledger web server (its landing page, the browser): escaped everywhere, no
script, no inline style (one stylesheet, `/ledger.css`), so that they work under its strict CSP."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ledger.identity import Role
from ledger.web.models import PoolStatus, RegisterResponse, TransactionPage

STYLESHEET = "/ledger.css"
_BROWSER = [("domain ledger", "/ledger/domain?format=html"), ("pool ledger", "/ledger/pool?format=html"),
            ("config ledger", "/ledger/config?format=html")]  # fmt: skip


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><link rel='stylesheet' href='{STYLESHEET}'></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")


def _validators(status: PoolStatus) -> str:
    rows = "".join(
        f"<tr><td>{escape(v.name)}</td>"
        f"<td class='{'ready' if v.ready else 'not-ready'}'>{'ready' if v.ready else 'not ready'}</td>"
        f"<td>{escape(v.mode or v.problem or '')}</td></tr>"
        for v in status.validators
    )
    state = "ready: it orders writes" if status.ready else "NOT ready: it cannot order writes"
    return (f"<p>The pool is <span class='{'ready' if status.ready else 'not-ready'}'>{state}</span> "
            f"({status.validators_ready} of {len(status.validators)} validators ready; writes need "
            f"{status.write_quorum}).</p><table><thead><tr><th scope='col'>validator</th><th scope='col'>state</th>"
            f"<th scope='col'>mode</th></tr></thead><tbody>{rows}</tbody></table>")


def register_form(register_open: bool) -> str:
    """The form that registers a DID: posted in the body (never in a URL), with the ledger's API key typed in."""
    key = "" if register_open else (
        "<label>The ledger's API key (X-API-Key; in MEDCRED_HOME/ledger/secrets/ledger_api_key)"
        "<input type='password' name='api_key' autocomplete='off' required></label>"
    )  # fmt: skip
    roles = "".join(f"<option{' selected' if role is Role.ENDORSER else ''}>{role.value}</option>" for role in Role)
    return (
        "<form method='post' action='/register/form'>"
        f"{key}"
        "<label>Seed (32 characters), or leave empty and give a DID and its verkey"
        "<input type='password' name='seed' autocomplete='off' maxlength='64'></label>"
        "<label>DID<input name='did' maxlength='64' autocomplete='off'></label>"
        "<label>Verkey<input name='verkey' maxlength='64' autocomplete='off'></label>"
        "<label>Alias<input name='alias' maxlength='200'></label>"
        f"<label>Role<select name='role'>{roles}</select></label>"
        "<button type='submit'>Register the DID</button></form>"
    )


def landing_page(status: PoolStatus, register_open: bool) -> str:
    """`/`: how the pool is, where its genesis and browser are, and a form to register a DID."""
    links = "".join(f"<li><a href='{href}'>{escape(name)}</a></li>" for name, href in _BROWSER)
    body = (
        "<h2>Validators</h2>" + _validators(status)
        + "<h2>Connect</h2><ul><li><a href='/genesis'>genesis file</a> (what an agent needs to connect)</li>"
        "<li><a href='/status'>status as JSON</a></li><li><a href='/docs'>API</a></li></ul>"
        f"<h2>Browse the ledger</h2><ul>{links}</ul>"
        "<h2>Register a DID</h2>" + register_form(register_open)
    )  # fmt: skip
    return _page("medcred ledger", body)


def registered_page(result: RegisterResponse) -> str:
    seq = f" (domain ledger #{result.seq_no})" if result.seq_no is not None else ""
    body = (f"<p>Registered{escape(seq)}:</p><table><tbody>"
            f"<tr><th scope='row'>DID</th><td>{escape(result.did)}</td></tr>"
            f"<tr><th scope='row'>verkey</th><td>{escape(result.verkey)}</td></tr></tbody></table>"
            "<p><a href='/'>back</a></p>")
    return _page("DID registered", body)


def problem_page(message: str) -> str:
    return _page("Not registered", f"<p class='problem'>{escape(message)}</p><p><a href='/'>back</a></p>")


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
