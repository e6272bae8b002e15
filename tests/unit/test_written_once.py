"""The three checks every role relies on are each written once, and every role uses that one.

    staff key     `agents.controller.require_staff`, made by `medcred.web.api_key_check(STAFF_KEY, ...)`
    portal key    `issuer.deps.portal_only`, made by `api_key_check(PORTAL_KEY, ...)`
    webhook key   `agents.webhooks.WebhookRouter`, made by `api_key_check(WEBHOOK_KEY, ...)`
    patient       `holder.deps.current_patient` (bearer token -> patient), on `medcred.web.BearerToken`

The security schemes themselves (`APIKeyHeader`, `HTTPBearer`) and the constant-time comparison of a key
(`check_api_key`) live in `medcred/web.py` only. Every .py file of the project is parsed with `ast`.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("medcred", "ledger", "audit", "agents", "issuer", "holder", "verifier", "stack")
EXCLUDED = (ROOT / "ledger" / "validator",)


def _trees() -> dict[str, ast.Module]:
    trees = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not any(path.is_relative_to(excluded) for excluded in EXCLUDED):
                trees[path.relative_to(ROOT).as_posix()] = ast.parse(path.read_text(), str(path))
    return trees


TREES = _trees()


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _calls(callee: str) -> list[tuple[str, ast.Call]]:
    """Every call of `callee` (by its last name, `x.callee(...)` too), with its file."""
    return [
        (path, node) for path, tree in TREES.items() for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func) == callee
    ]  # fmt: skip


def _files_calling(callee: str) -> set[str]:
    return {path for path, _ in _calls(callee)}


def test_the_security_schemes_and_the_key_comparison_are_in_the_ground_floor_only() -> None:
    for callee in ("APIKeyHeader", "HTTPBearer", "Security", "check_api_key"):
        assert _files_calling(callee) <= {"medcred/web.py"}, callee


def test_each_kind_of_key_is_checked_by_one_dependency() -> None:
    made = Counter(_name(node.args[0]) for _, node in _calls("api_key_check") if node.args)
    assert made == {"STAFF_KEY": 1, "PORTAL_KEY": 1, "WEBHOOK_KEY": 1}
    where = {_name(node.args[0]): path for path, node in _calls("api_key_check") if node.args}
    assert where == {"STAFF_KEY": "agents/controller.py", "PORTAL_KEY": "issuer/deps.py",
                     "WEBHOOK_KEY": "agents/webhooks.py"}  # fmt: skip


def _defines(path: str, name: str) -> bool:
    tree = TREES[path]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(_name(target) == name for target in node.targets):
            return True
    return False


def test_no_role_writes_a_staff_check_of_its_own() -> None:
    """Each role names the one check (`require_staff`, the issuer's `staff_only` is it) and defines none."""
    for path in TREES:
        if path.split("/")[0] in ("issuer", "holder", "verifier"):
            assert not _defines(path, "require_staff"), path
    for role in ("issuer", "holder", "verifier"):
        imported = {
            alias.name for path, tree in TREES.items() if path.startswith(f"{role}/") for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "agents.controller" for alias in node.names
        }  # fmt: skip
        assert "require_staff" in imported, role


def test_the_patient_check_is_written_once() -> None:
    """A bearer token becomes a patient in one place (`holder.deps`: the API's `current_patient`, the web
    wallet's `wallet_sign_in`)."""
    assert _files_calling("authenticate") == {"holder/deps.py"}
    assert [path for path in TREES if _defines(path, "current_patient")] == ["holder/deps.py"]
