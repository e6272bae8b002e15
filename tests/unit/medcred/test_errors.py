"""The error tree drawn in `medcred.errors` is the tree of the code: every error class the project defines,
under its real parent, named with its module when it lives elsewhere; and one exception handler per app."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.tails import create_app as create_tails_app
from ledger.trustee import Genesis
from ledger.web import create_app as create_ledger_web_app
from medcred import errors
from medcred.errors import MedcredError
from medcred.web import install_error_handlers
from tests.unit.medcred.test_api_docs import make_app

ROOT = Path(__file__).resolve().parents[3]
# Not imported: the validators' own code runs in their Python 3.8 with plenum (and raises none of ours).
OTHER_PYTHON = ("ledger/validator/",)
# A line of the drawing: its tree prefix, the class, and what follows (the module, for one defined elsewhere).
DRAWN = re.compile(r"^(?P<prefix>[ │├└─]*)(?P<name>[A-Z]\w*)\b(?P<rest>.*)$")


def project_modules() -> list[str]:
    names = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("tests/", ".")) or "/." in relative or relative.startswith(OTHER_PYTHON):
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def project_errors() -> dict[str, type[BaseException]]:
    """Every exception class defined in a project module, by name."""
    found: dict[str, type[BaseException]] = {}
    for name in project_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name:
                assert value.__name__ not in found, f"two error classes named {value.__name__}"
                found[value.__name__] = value
    return found


def drawing() -> dict[str, tuple[str | None, str]]:
    """The docstring's tree: each class's drawn parent (None for the root) and the rest of its line."""
    doc = errors.__doc__ or ""
    lines = doc.split("\n\n")[1].splitlines()
    drawn: dict[str, tuple[str | None, str]] = {}
    stack: list[tuple[int, str]] = []  # (column of the name, name) of the open branches
    for line in lines:
        match = DRAWN.match(line)
        if match is None or not (match["prefix"] == "    " or "── " in match["prefix"]):
            continue  # the root has no branch, every other class one; anything else continues a description
        column = len(match["prefix"])
        while stack and stack[-1][0] >= column:
            stack.pop()
        drawn[match["name"]] = (stack[-1][1] if stack else None, match["rest"])
        stack.append((column, match["name"]))
    return drawn


def test_the_project_modules_are_found() -> None:
    modules = project_modules()
    assert {"medcred.errors", "holder.portal", "verifier.shl_client", "agents.acapy_plugin"} <= set(modules)
    assert not [name for name in modules if name.startswith("ledger.validator")]


def test_every_error_class_of_the_project_is_drawn_under_its_parent() -> None:
    drawn, classes = drawing(), project_errors()
    assert drawn["MedcredError"][0] is None
    for name, cls in classes.items():
        assert name in drawn, f"{cls.__module__}.{name} is not drawn in medcred/errors.py's docstring"
        parent, rest = drawn[name]
        real_parent = cls.__bases__[0].__name__ if cls is not MedcredError else None
        assert parent == real_parent, f"{name} is drawn under {parent}, but derives from {real_parent}"
        if cls.__module__ != errors.__name__:
            assert cls.__module__ in rest, f"{name}'s line does not name its module {cls.__module__}"
    assert not set(drawn) - set(classes), f"drawn but not defined: {sorted(set(drawn) - set(classes))}"


def test_every_error_class_of_the_project_is_a_medcred_error() -> None:
    strays = [f"{cls.__module__}.{name}" for name, cls in project_errors().items() if not issubclass(cls, MedcredError)]
    assert not strays


def test_a_subclass_adds_to_the_error_body() -> None:
    from issuer.sharing.access import WrongPasscodeError

    assert errors.NotFoundError("no such share").body() == {"detail": "no such share"}
    assert WrongPasscodeError(2).body() == {"detail": "wrong passcode", "remainingAttempts": 2}


def _apps(folder: Path) -> dict[str, FastAPI]:
    ledger = LedgerSettings(data_dir=folder / "ledger")
    return {
        **{role: make_app(role, folder / role) for role in ("issuer", "holder", "verifier")},
        "ledger web": create_ledger_web_app(ledger, Genesis(folder / "genesis", local_pool=True), "register-key"),
        "tails": create_tails_app(TailsSettings(storage_dir=folder / "tails")),
    }


def test_every_app_has_the_one_exception_handler_and_no_other(tmp_path: Path) -> None:
    reference = FastAPI()
    install_error_handlers(reference)
    for name, app in _apps(tmp_path).items():
        ours = {kind: handler.__qualname__ for kind, handler in app.exception_handlers.items()}
        assert ours == {kind: h.__qualname__ for kind, h in reference.exception_handlers.items()}, name


@pytest.mark.parametrize("folder", ["issuer/routes", "holder/routes", "verifier/routes", "ledger/web", "ledger/tails"])
def test_no_route_builds_its_own_error_response(folder: str) -> None:
    for path in (ROOT / folder).glob("*.py"):
        text = path.read_text()
        assert "HTTPException" not in text, path
        assert "JSONResponse" not in text, path
