"""The package layout: small modules, instruments imported on demand, one command line that writes results."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab import grids, store

SRC = Path(__file__).resolve().parents[1] / "src" / "rnnlab"


def test_every_module_is_at_most_300_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 300}
    assert not long, f"modules over 300 lines: {long}"


def test_importing_rnnlab_does_not_import_the_instruments():
    code = "import sys, rnnlab; print(sorted(m for m in sys.modules if m.startswith('rnnlab.instruments')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_single_results_are_registered_with_the_grids():
    for name in ("relu0_training", "compute_cost_profiles"):
        assert name in grids.available() and grids.is_single(grids.get(name))
    assert not grids.is_single(grids.get("stacked"))


def test_cli_writes_a_single_result_to_scratch_and_refuses_to_overwrite(tmp_path):
    cmd = [sys.executable, "-W", "error", "-m", "rnnlab.grids", "relu0_training", "--tiny"]
    env = {"PYTHONPATH": str(SRC.parent), "PATH": "", "OPENBLAS_NUM_THREADS": "1"}
    first = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    stem = tmp_path / "_scratch" / "relu0_training_tiny"
    arrays, meta = store.load(stem)
    assert arrays["loss"].shape == (2, 1, 2, 2) and meta["stale"] == []
    assert meta["provenance"]["command"] == "python -m rnnlab.grids relu0_training --tiny"
    assert meta["provenance"]["settings"]["tiny"] is True
    before = json.loads(stem.with_suffix(".json").read_text())
    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "refused" in again.stderr
    assert json.loads(stem.with_suffix(".json").read_text()) == before


@pytest.mark.parametrize("name", ["relu0_training", "compute_cost_profiles"])
def test_single_result_settings_are_json_and_tiny_overrides_known_keys(name):
    mod = grids.get(name)
    json.dumps(mod.SETTINGS)
    assert set(mod.TINY) <= set(mod.SETTINGS)


def test_only_the_grids_command_line_has_a_main():
    mains = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "__name__ == \"__main__\"" in p.read_text()]
    assert mains == ["grids/__main__.py"], mains
