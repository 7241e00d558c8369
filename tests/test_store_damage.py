"""The store survives what users do to it: damaged files, interrupted overwrites, tiny and full runs in one folder.

Every file kind the store writes is damaged in turn (a result's record, its data file, a folder's
verified.json, a grid's manifest.json); each damage must affect only that file, name it and say what to
do. An overwrite killed at any moment (SIGKILL) leaves the previous grid loadable.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from rnnlab import _gridfolder, store, sweep

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def quiet(_msg):
    pass


def _two_results(tmp_path):
    for name in ("a", "b"):
        store.save(tmp_path / name, {"x": np.arange(3.0)}, {"provenance": store.provenance({}, "cmd")})
    return tmp_path / "a", tmp_path / "b"


def _data(stem):
    return stem.parent / json.loads((stem.parent / (stem.name + ".json")).read_text())["data_file"]


# ---- one damage per file kind: it names the file and the remedy, and affects only itself ------------------------
RECORD_DAMAGE = {
    "truncated JSON": lambda rec: rec.write_text(rec.read_text()[:40]),
    "not JSON at all": lambda rec: rec.write_bytes(b"\x00\xff garbage"),
    "a JSON list": lambda rec: rec.write_text("[1, 2]"),
    "no data_file": lambda rec: rec.write_text(json.dumps({"data_sha256": "0" * 64})),
    "data_file outside its folder": lambda rec: rec.write_text(
        json.dumps(dict(json.loads(rec.read_text()), data_file="../elsewhere.0123456789ab.npz"))),
    "another result's data_file": lambda rec: rec.write_text(
        json.dumps(dict(json.loads(rec.read_text()), data_file=_data(rec.parent / "b").name))),
}


@pytest.mark.parametrize("damage", sorted(RECORD_DAMAGE))
def test_a_damaged_record_names_itself_and_the_remedy_and_others_still_load(tmp_path, damage):
    a, b = _two_results(tmp_path)
    RECORD_DAMAGE[damage](tmp_path / "a.json")
    with pytest.raises(store.ResultCorrupt) as info:
        store.load(a)
    assert "a.json" in str(info.value) and "re-run" in str(info.value) and "delete" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, OSError)
    assert np.array_equal(store.load(b)[0]["x"], np.arange(3.0)), "the other result still loads"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing", "empty"])
def test_a_damaged_data_file_names_itself_and_the_remedy(tmp_path, damage):
    a, b = _two_results(tmp_path)
    f = _data(a)
    {"truncated": lambda: f.write_bytes(f.read_bytes()[:50]), "garbage": lambda: f.write_bytes(b"PK\x03\x04 nonsense"),
     "missing": f.unlink, "empty": lambda: f.write_bytes(b"")}[damage]()
    with pytest.raises(store.ResultCorrupt, match="re-run") as info:
        store.load(a)
    assert f.name in str(info.value) or "a.json" in str(info.value)
    store.load(b)


@pytest.mark.parametrize("content", ["{not json", "[]", '{"verifications": 3}', '{"verifications": [{"covers": 1}]}'])
def test_a_damaged_verification_log_costs_only_the_verification(tmp_path, content):
    a, b = _two_results(tmp_path)
    (tmp_path / store.VERIFIED).write_text(content)
    arrays, meta = store.load(a)                                    # still loads, judged by its own provenance
    assert meta["verified"] is None and meta["stale"] == []
    assert "verified.json" in meta["problems"][0] and "delete it" in meta["problems"][0]
    assert "verified.json" in store.describe(meta)
    with pytest.raises(store.ResultCorrupt, match="verified.json"):  # the damaged log is never overwritten
        store.record_verification(tmp_path, ["a", "b"], ["a"])
    assert (tmp_path / store.VERIFIED).read_text() == content


def square_cell(cell):
    return {"y": np.random.default_rng(cell["seed"]).normal(size=3) * cell["scale"]}


def _cells(scale=2.0, n=4):
    return [{"key": f"s{s}", "seed": s, "scale": scale} for s in range(n)]


@pytest.mark.parametrize("content", ["", "{", '{"cells": "s0"}', "[1]"])
def test_a_damaged_manifest_names_itself_and_the_next_run_rewrites_it(tmp_path, content):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, _cells(), out, log=quiet)
    (out / "manifest.json").write_text(content)
    with pytest.raises(store.ResultCorrupt, match="manifest.json") as info:
        sweep.load_cells(out)
    assert "re-run the grid's command" in str(info.value)
    logs = []
    res = sweep.run_cells(square_cell, _cells(), out, log=logs.append)
    assert len(res) == 4 and any("resuming the grid rewrites it" in m for m in logs)
    assert sum("reusing" in m for m in logs) == 4, "no cell is recomputed"


def test_a_damaged_cell_is_recomputed_on_resume_and_named_in_the_log(tmp_path):
    out = tmp_path / "g"
    before = sweep.run_cells(square_cell, _cells(), out, log=quiet)
    (out / "manifest.json").unlink()
    stem = sweep.find_cell(out, _cells()[1])
    (out / (stem.name + ".json")).write_text("{")
    logs = []
    after = sweep.run_cells(square_cell, _cells(), out, log=logs.append)
    assert any(stem.name in m and "damaged" in m for m in logs)
    assert all(np.array_equal(x["arrays"]["y"], y["arrays"]["y"]) for x, y in zip(before, after))


# ---- what save refuses ----------------------------------------------------------------------------------------------
def test_save_refuses_object_arrays_and_unstorable_meta_before_writing_anything(tmp_path):
    with pytest.raises(TypeError, match=r"arrays\['x'\] must not be an object array"):
        store.save(tmp_path / "r", {"x": np.array([{"a": 1}], dtype=object)}, {})
    with pytest.raises(ValueError, match=r"arrays\['x'\] must be a rectangular array"):
        store.save(tmp_path / "r", {"x": [[1, 2], [3]]}, {})
    with pytest.raises(TypeError, match="cannot store"):
        store.save(tmp_path / "r", {"x": np.zeros(2)}, {"f": object()})
    assert list(tmp_path.iterdir()) == [], "nothing is written for a refused save"


def test_save_never_deletes_a_file_outside_its_folder(tmp_path):
    inner = tmp_path / "inner"
    store.save(inner / "r", {"x": np.zeros(2)}, {})
    victim = tmp_path / "victim.0123456789ab.npz"
    victim.write_bytes(b"keep me")
    rec = inner / "r.json"
    rec.write_text(json.dumps(dict(json.loads(rec.read_text()), data_file="../victim.0123456789ab.npz")))
    store.save(inner / "r", {"x": np.ones(2)}, {}, overwrite=True)
    assert victim.read_bytes() == b"keep me"
    assert np.array_equal(store.load(inner / "r")[0]["x"], np.ones(2))
    assert [p.name for p in inner.glob("*.npz")] == [_data(inner / "r").name], "stray data files of r are removed"


def test_a_result_without_provenance_is_of_unknown_provenance_not_unchanged(tmp_path):
    store.save(tmp_path / "r", {"x": np.zeros(1)}, {"note": "made by hand"})
    _, meta = store.load(tmp_path / "r")
    text = store.describe(meta)
    assert "unknown provenance" in text and "unchanged" not in text
    assert not store.known_provenance(meta)
    store.save(tmp_path / "s", {"x": np.zeros(1)}, {"provenance": store.provenance({}, "cmd")})
    assert "unchanged" in store.describe(store.load(tmp_path / "s")[1])


def test_a_loaded_result_saves_again_without_its_computed_fields(tmp_path):
    store.save(tmp_path / "r", {"x": np.arange(2)}, {"provenance": store.provenance({}, "cmd")})
    arrays, meta = store.load(tmp_path / "r")
    store.save(tmp_path / "copy", arrays, meta)
    assert store.load(tmp_path / "copy")[1]["data_file"].startswith("copy.")


# ---- tiny and full cells never mix --------------------------------------------------------------------------------
def test_tiny_and_full_cells_under_one_key_never_mix(tmp_path):
    out, cells = tmp_path / "g", _cells()
    sweep.run_cells(square_cell, cells, out, settings={"tiny": True}, log=quiet)
    (out / "manifest.json").unlink()                     # a full run into the folder of a tiny one
    logs = []
    full = sweep.run_cells(square_cell, cells, out, settings={"tiny": False}, log=logs.append)
    assert not any("reusing" in m for m in logs), "a full run reuses no tiny cell"
    assert any("other settings" in m for m in logs), "it says that the tiny cells are left alone"
    assert len(list(out.glob("s0.*.json"))) == 2 and len(full) == 4
    body = json.loads((out / "manifest.json").read_text())
    assert body["cells"] == [sweep.cell_name(c, {"tiny": False}) for c in cells] and body["format"] == 2
    (out / "manifest.json").unlink()                     # and a tiny run into a full folder labels nothing full
    tiny = sweep.run_cells(square_cell, cells, out, settings={"tiny": True}, log=quiet)
    assert [r["meta"]["settings_hash"] for r in tiny] == [sweep.settings_hash(c, {"tiny": True}) for c in cells]


def test_the_manifest_stores_the_grid_cpu_time(tmp_path):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, _cells(), out, log=quiet)
    body = sweep.load_manifest(out)
    cells = [store.read_record(out / n)["provenance"]["runtime_s"] for n in body["cells"]]
    assert body["cpu_s"] == pytest.approx(sum(cells), abs=0.2)


def test_grids_stored_before_the_settings_hash_still_load_and_verify(tmp_path):
    out, cells = tmp_path / "old", _cells()
    for c in cells:                                      # the layout of results/ before this change: <key>.json
        store.save(out / c["key"], square_cell(c), {"cell": c, "provenance": store.provenance({"cell": c}, "cmd")})
    (out / "manifest.json").write_text(json.dumps({"cells": [c["key"] for c in cells],
                                                   "provenance": store.provenance({}, "cmd")}))
    res = sweep.load_cells(out)
    assert [r["cell"] for r in res] == cells and sweep.load_manifest(out)["cpu_s"] >= 0
    assert sweep.find_cell(out, cells[2]) == out / "s2" and sweep.find_cell(out, dict(cells[2], seed=9)) is None
    assert sweep.verify_cells(square_cell, cells, out, settings={"tiny": False}, log=quiet)
    assert store.verification(out / "s1")["covers"] == ["s0", "s1", "s2", "s3"]


# ---- overwrite is transactional ------------------------------------------------------------------------------------
class Interrupt(Exception):
    pass


def _interrupting(after):
    calls = []

    def cell_fn(cell):
        calls.append(cell["key"])
        if len(calls) > after:
            raise Interrupt
        return square_cell(cell)

    return cell_fn


def test_an_interrupted_overwrite_leaves_the_old_grid_whole_and_resumes(tmp_path):
    out = tmp_path / "g"
    old = sweep.run_cells(square_cell, _cells(2.0), out, log=quiet)
    with pytest.raises(Interrupt):
        sweep.run_cells(_interrupting(2), _cells(3.0), out, overwrite=True, log=quiet)
    again = sweep.load_cells(out)
    assert all(np.array_equal(a["arrays"]["y"], b["arrays"]["y"]) for a, b in zip(old, again)), "the old grid, whole"
    with pytest.raises(store.ResultExists, match="interrupted --overwrite is pending"):
        sweep.run_cells(square_cell, _cells(3.0), out, log=quiet)
    logs = []
    new = sweep.run_cells(square_cell, _cells(3.0), out, overwrite=True, log=logs.append)
    assert sum("reusing" in m for m in logs) == 2, "the overwrite resumes where it stopped"
    assert all(np.allclose(n["arrays"]["y"], 1.5 * o["arrays"]["y"]) for n, o in zip(new, old))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"], "no staging or old folder is left behind"


def test_a_swap_interrupted_between_its_two_renames_keeps_the_old_grid_loadable(tmp_path, monkeypatch):
    out = tmp_path / "g"
    old = sweep.run_cells(square_cell, _cells(2.0), out, log=quiet)
    monkeypatch.setattr(_gridfolder, "_exchange", lambda a, b: False)      # a system without renameat2
    real_rename = os.rename
    state = {"n": 0}

    def rename_then_die(a, b):
        state["n"] += 1
        real_rename(a, b)
        if state["n"] == 1:
            raise Interrupt                                                  # killed after the first rename

    monkeypatch.setattr(_gridfolder.os, "rename", rename_then_die)
    with pytest.raises(Interrupt):
        sweep.run_cells(square_cell, _cells(3.0), out, overwrite=True, log=quiet)
    monkeypatch.setattr(_gridfolder.os, "rename", real_rename)
    assert not out.exists()
    mid = sweep.load_cells(out)                                              # read from the grid moved aside
    assert all(np.array_equal(a["arrays"]["y"], b["arrays"]["y"]) for a, b in zip(old, mid))
    logs = []
    with pytest.raises(store.ResultExists):                                  # the next run finishes the swap first
        sweep.run_cells(square_cell, _cells(3.0), out, log=logs.append)
    assert any("finished the swap" in m for m in logs)
    assert all(np.allclose(n["arrays"]["y"], 1.5 * o["arrays"]["y"]) for n, o in zip(sweep.load_cells(out), old))


def test_overwrite_refuses_a_folder_that_holds_more_than_a_grid(tmp_path):
    sweep.run_cells(square_cell, _cells()[:1], tmp_path / "g", log=quiet)
    (tmp_path / "g" / "notes").mkdir()
    with pytest.raises(ValueError, match="grid's own folder"):
        sweep.run_cells(square_cell, _cells(), tmp_path / "g", overwrite=True, log=quiet)
    assert (tmp_path / "g" / "notes").is_dir()


OVERWRITER = textwrap.dedent("""
    import sys, time, numpy as np
    from rnnlab import sweep
    def slow(cell):
        time.sleep(0.1)
        return {"y": np.full(20_000, cell["scale"] * (cell["seed"] + 1))}
    cells = [{"key": f"s{s}", "seed": s, "scale": float(sys.argv[2])} for s in range(8)]
    sweep.run_cells(slow, cells, sys.argv[1], overwrite=sys.argv[3] == "1", log=lambda m: None)
""")


def _kill_when(proc, condition, timeout=120):
    """SIGKILL ``proc`` as soon as ``condition()`` holds (polled every ms); True if it was killed."""
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < timeout:
        if condition():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    proc.wait()
    return False


def test_sigkill_during_an_overwrite_never_leaves_a_mixed_or_unreadable_grid(tmp_path):
    out, env = tmp_path / "g", dict(os.environ, PYTHONPATH=SRC, OPENBLAS_NUM_THREADS="1")
    staging = tmp_path / ".g.overwrite"
    subprocess.run([sys.executable, "-c", OVERWRITER, str(out), "1.0", "0"], check=True, env=env, timeout=120)
    moments = [lambda: staging.is_dir()] + [lambda n=n: len(list(staging.glob("s*.json"))) >= n for n in (1, 3, 4, 6)] \
        + [lambda: (staging / "manifest.json").exists(), lambda: False]     # the last run is left to finish
    killed = []
    for moment in moments:
        proc = subprocess.Popen([sys.executable, "-c", OVERWRITER, str(out), "2.0", "1"], env=env)
        killed.append(_kill_when(proc, moment))
        res = sweep.load_cells(out)
        scales = {r["cell"]["scale"] for r in res}
        assert len(res) == 8 and len(scales) == 1, f"one grid, never a mix; got scales {scales}"
        assert all(float(r["arrays"]["y"][0]) == r["cell"]["scale"] * (r["cell"]["seed"] + 1) for r in res)
    assert killed[:5] == [True] * 5 and killed[-1] is False
    assert scales == {2.0} and sorted(p.name for p in tmp_path.iterdir()) == ["g"]


# ---- progress --------------------------------------------------------------------------------------------------------
def test_progress_bar_shows_when_asked_and_is_quiet_under_ci(tmp_path, capsys, monkeypatch):
    sweep.run_cells(square_cell, _cells(), tmp_path / "a", log=quiet, progress=True)
    err = capsys.readouterr().err
    assert "4/4" in err and "cell" in err and "<" in err, err[-300:]          # n/total, unit and the ETA field
    monkeypatch.setenv("CI", "true")
    sweep.run_cells(square_cell, _cells(), tmp_path / "b", log=quiet)
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="progress must be True or False"):
        sweep.run_cells(square_cell, _cells(), tmp_path / "c", log=quiet, progress="yes")


def test_resume_is_quick_and_reports_each_reused_cell(tmp_path):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, _cells(), out, log=quiet)
    (out / "manifest.json").unlink()
    logs, t0 = [], time.perf_counter()
    sweep.run_cells(square_cell, _cells(), out, log=logs.append)
    assert [m.split(":")[0] for m in logs if "reusing" in m] == [sweep.cell_name(c) for c in _cells()]
    assert time.perf_counter() - t0 < 30


# ---- generated damage: any bytes in any file the store writes ------------------------------------------------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

DAMAGE = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("replace"), st.one_of(st.binary(max_size=60), st.from_type(int).map(lambda v: str(v).encode()),
                                            st.just(b"null"), st.just(b'{"cells": null}'), st.just(b"[]"))),
)


def _damage(path, how):
    data = path.read_bytes()
    kind, arg = how
    if kind == "truncate":
        data = data[:int(arg * len(data))]
    elif kind == "flip":
        b = bytearray(data)
        for where, mask in arg:
            if b:
                b[min(int(where * len(b)), len(b) - 1)] ^= mask
        data = bytes(b)
    elif kind == "append":
        data = data + arg
    else:
        data = arg
    path.write_bytes(data)


@settings(max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["record", "data", "verified.json", "manifest.json"]), DAMAGE)
def test_any_damage_to_any_file_is_named_or_harmless_and_stays_local(tmp_path_factory, kind, how):
    out = tmp_path_factory.mktemp("g")
    cells = _cells(n=3)
    before = sweep.run_cells(square_cell, cells, out, log=quiet)
    store.record_verification(out, [sweep.cell_name(c) for c in cells], [sweep.cell_name(cells[0])])
    victim = sweep.find_cell(out, cells[1])
    target = {"record": out / (victim.name + ".json"), "data": _data(victim), "verified.json": out / store.VERIFIED,
              "manifest.json": out / "manifest.json"}[kind]
    _damage(target, how)
    try:
        after = sweep.load_cells(out)
    except store.ResultCorrupt as e:                      # named, with a remedy
        assert target.name in str(e) and ("re-run" in str(e) or "delete" in str(e)), str(e)
        if kind != "manifest.json":                      # the other cells still load
            for c, b in zip(cells, before):
                if c is not cells[1]:
                    assert np.array_equal(store.load(sweep.find_cell(out, c))[0]["y"], b["arrays"]["y"])
        return
    for a, b in zip(after, before):                      # a harmless change (e.g. JSON whitespace): same data
        assert np.array_equal(a["arrays"]["y"], b["arrays"]["y"]) and a["cell"] == b["cell"]
    if kind == "verified.json" and after[0]["meta"]["verified"] is None:
        assert any("verified.json" in p for p in after[0]["meta"]["problems"])


def test_a_manifest_that_lists_a_missing_or_outside_cell_is_named(tmp_path):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, _cells(), out, log=quiet)
    store.save(tmp_path / "outside", {"x": np.zeros(1)}, {})
    for bad in ("nope", "../outside", ".hidden"):
        body = json.loads((out / "manifest.json").read_text())
        body["cells"][0] = bad
        (out / "manifest.json").write_text(json.dumps(body))
        with pytest.raises(store.ResultCorrupt, match="manifest.json lists a cell"):
            sweep.load_cells(out)
        with pytest.raises(store.ResultCorrupt, match="manifest.json lists a cell"):
            sweep.load_manifest(out)
