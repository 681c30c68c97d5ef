"""`parcours mllp` for real: its own process and data directory, a source configured with
`parcours hl7 source add`, python-hl7's client, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.interop.support import ack_code, fixture_bytes, send
from tests.support.processes import BIN, free_port, parcours, parcours_env, wait_for_port

pytestmark = pytest.mark.live


def test_mllp_command_stores_and_acknowledges(tmp_path: Path) -> None:
    env = parcours_env(tmp_path)
    parcours(env, "migrate", "--noinput", "-v0")
    parcours(
        env,
        "shell",
        "-v0",
        "-c",
        (
            "from parcours.directory.models import Organisation as O;"
            "h = O.objects.create(code='chu-bxl', name={'fr': 'CHU Bruxelles'}, type='hospital');"
            "O.objects.create(code='chu-bxl-ger', name={'fr': 'Gériatrie'}, type='ward', parent=h)"
        ),
    )
    parcours(env, "hl7", "source", "add", "--facility", "CHU_BXL", "--organisation", "chu-bxl",
             "--disposition", "06=home")  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "parcours"), "mllp", "--port", str(port), "--idle-timeout", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        for name in ("a01_admit.hl7", "a03_discharge.hl7", "a01_admit.hl7"):
            ack = send(port, fixture_bytes(name))
            assert ack_code(ack) == "AA", str(ack)
        assert ack_code(send(port, fixture_bytes("reject_unknown_facility.hl7"))) == "AR"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"Parcours MLLP on 127.0.0.1:{port}" in out.decode()
    counts = parcours(
        env,
        "shell",
        "-v0",
        "-c",
        (
            "from parcours.interop.models import InboundMessage as M;"
            "print(M.objects.count(), M.objects.filter(status='applied').count(),"
            " sum(M.objects.values_list('resend_count', flat=True)))"
        ),
    )
    assert counts == "3 2 1"  # both applied to the patient and the stay
