"""Every stored result in results/ was made, or re-checked bit for bit, by the code as it is now.

A change to a module that a stored number depends on fails this test until the
result is regenerated (``--overwrite``) or a refactor is shown to reproduce it
(``python -m rnnlab.grids NAME --out results/DIR --verify 2``); see rnnlab.store.
"""
import json
from pathlib import Path

import pytest

from rnnlab import store

RESULTS = Path(__file__).resolve().parents[1] / "results"
RECORDS = sorted(p for p in RESULTS.rglob("*.json") if p.name not in ("manifest.json", store.VERIFIED))

MEASUREMENTS = {"compute_cost_profiles.json": {"rnnlab.instruments.compute_cost", "rnnlab.grids.compute_cost_profiles"}}
"""Timings of numpy's kernels under the SSE, AVX2 and AVX-512 profiles (chapter 7), and the modules that
measure them. Timings cannot be re-checked bit for bit, and only a CPU with AVX-512 can regenerate all three
profiles (elsewhere the 'AVX-512' profile runs the AVX2 kernels). So they must be remade when their own
instrument changes; a change elsewhere in rnnlab, which the timing loop does not run, is reported by the
chapter (store.describe) rather than failing here."""


def test_results_folder_holds_records():
    assert len(RECORDS) >= 10


@pytest.mark.parametrize("record", RECORDS, ids=lambda p: str(p.relative_to(RESULTS)))
def test_stored_result_is_current(record):
    _, meta = store.load(record)
    assert store.known_provenance(meta), f"{record.relative_to(RESULTS)} is of unknown provenance: regenerate it"
    command = (meta.get("provenance") or {}).get("command", "?")
    if meta["stale"] and record.name in MEASUREMENTS and not set(meta["stale"]) & MEASUREMENTS[record.name]:
        pytest.skip(f"{record.name}: a timing; its instrument is unchanged (changed since: {meta['stale']})")
    assert not meta["stale"], (f"{record.relative_to(RESULTS)} was made by different code ({meta['stale']}); "
                               f"regenerate it ({command} --overwrite) or verify a refactor with --verify")


def test_every_grid_folder_is_complete():
    for manifest in RESULTS.rglob("manifest.json"):
        keys = json.loads(manifest.read_text())["cells"]
        assert all(store.exists(manifest.parent / k) for k in keys), manifest
