"""The launcher's commands: what it hands each process must survive that process's own parsing."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.launcher import rasa_service


def test_a_rasa_token_beginning_with_a_dash_still_reaches_rasa() -> None:
    # secrets.token_urlsafe() begins with "-" one time in 64: Rasa then refused to start.
    token = "-Xk2Vb9-token"
    service = rasa_service(
        "rasa", "http://127.0.0.1:5005", Path("m.tar.gz"), {"SAHAYATRI_RASA_TOKEN": token}
    )
    parser = argparse.ArgumentParser()  # parses as `rasa run` does (argparse, -t/--auth-token)
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("-t", "--auth-token")
    parser.add_argument("-i")
    parser.add_argument("-p")
    parser.add_argument("-m")
    parser.add_argument("--endpoints")
    parser.add_argument("--credentials")
    parsed = parser.parse_args(service.command[2:])
    assert parsed.auth_token == token
