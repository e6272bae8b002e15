"""`medcred up` and `medcred demo` print where the three web apps are and what each signs in with."""

from __future__ import annotations

from pathlib import Path

import pytest

from holder import HolderSettings
from issuer import IssuerSettings
from stack.network import Role
from stack.up import web_apps
from verifier import VerifierSettings


class FakeNetwork:
    def __init__(self, home: Path) -> None:
        self.roles = [
            Role(name, settings, agent=None, make_app=lambda: None)  # type: ignore[arg-type]
            for name, settings in (("issuer", IssuerSettings(data_dir=home / "issuer")),
                                   ("holder", HolderSettings(data_dir=home / "holder")),
                                   ("verifier", VerifierSettings(data_dir=home / "verifier")))
        ]  # fmt: skip


def test_the_three_apps_urls_are_printed_with_how_to_sign_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web_apps(FakeNetwork(tmp_path))  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "the hospital desk:" in out and "http://127.0.0.1:8001/desk" in out
    assert "the patient's wallet:" in out and "http://127.0.0.1:8002/wallet" in out
    assert "the clinic and insurer desk:" in out and "http://127.0.0.1:8003/desk" in out
    assert str(tmp_path / "issuer" / "secrets" / "api_key") in out  # where the key is, never the key itself
