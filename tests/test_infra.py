"""The shared infrastructure: statistics, independent replicates, the store and sweeps."""
import faulthandler
import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from rnnlab import population, stack, stats, store, sweep, tasks, train


# ---- statistics -------------------------------------------------------------------------------------
def test_wilson_interval_matches_the_closed_form():
    k, n, z = 8, 20, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert np.allclose(stats.rate_ci(k, n), (centre - half, centre + half), atol=1e-9)
    assert stats.fmt_rate(8, 20) == "8/20 (40 %, 95 % CI 22–61 %)"


def test_fisher_decides_orderings_at_the_books_level():
    weak = stats.compare_rates(8, 20, 6, 20)
    assert not weak.significant and weak.p == pytest.approx(0.7411, abs=1e-3)
    strong = stats.compare_rates(18, 20, 4, 20, alternative="greater")
    assert strong.significant and strong.p < 1e-4
    assert stats.consistent_rates(8, 20, 6, 20) and not stats.consistent_rates(20, 20, 0, 20)


def test_median_tests_are_deterministic_given_the_rng():
    x, y = np.arange(20.0), np.arange(20.0) + 10
    a = stats.compare_medians(x, y, np.random.default_rng(0))
    b = stats.compare_medians(x, y, np.random.default_rng(0))
    assert a == b and a.significant and a.median1 == 9.5
    lo, hi = stats.median_ci(x, np.random.default_rng(1))
    assert lo < 9.5 < hi
    assert stats.paired_sign_test([1, 2, 3, 4, 5, 6], [0] * 6) == pytest.approx(2 / 64)


@pytest.mark.parametrize("call", [lambda: stats.rate_ci(3, 2), lambda: stats.rate_ci(-1, 5),
                                  lambda: stats.compare_rates(1, 0, 1, 2), lambda: stats.compare_medians([], [1], np.random.default_rng(0)),
                                  lambda: stats.compare_rates(1, 2, 1, 2, alternative="bigger")])
def test_statistics_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


# ---- independent replicates ---------------------------------------------------------------------------
def test_population_member_equals_the_lone_run_with_its_own_data():
    spec, task = stack.ModelSpec(hidden_size=6, dtype="float64"), tasks.AddingTask(8)
    cfg, seeds = train.TrainConfig(steps=15, lr=1e-2), [4, 9]
    P, hist = train.train(stack.init_population(spec, seeds), spec, task, cfg, population.data_rngs(seeds))
    for k, s in enumerate(seeds):
        p, h = train.train(stack.init(spec, np.random.default_rng(s)), spec, task, cfg, population.data_rng(s))
        assert np.array_equal(h.loss, hist.loss[:, k])
    assert not np.array_equal(hist.loss[:, 0], hist.loss[:, 1])


def test_data_streams_differ_from_init_streams_and_from_each_other():
    a, b = population.data_rngs([0, 1])
    assert a.random() != np.random.default_rng(0).random() and a.random() != b.random()
    with pytest.raises(ValueError):
        population.data_rngs([1, 1])
    with pytest.raises(TypeError):
        population.data_rngs(3)


def test_train_checks_its_data_streams():
    spec, task = stack.ModelSpec(hidden_size=4), tasks.AddingTask(4)
    P = stack.init_population(spec, [0, 1])
    with pytest.raises(ValueError, match="one Generator per model"):
        train.train(P, spec, task, train.TrainConfig(steps=2), population.data_rngs([0, 1, 2]))
    with pytest.raises(TypeError, match="rng must be"):
        train.train(P, spec, task, train.TrainConfig(steps=2), 7)


def test_loss_events_separate_spikes_recoveries_and_divergence():
    cfg = train.TrainConfig(steps=6)
    loss = np.array([[1.0, 1.0], [50.0, 30.0], [0.01, 40.0], [0.01, 30.0], [0.01, 20.0], [0.01, 25.0]])
    h = train.History(loss, loss, loss, loss, loss, [None, None], 6, cfg)
    ev = train.loss_events(h, baseline=0.2, window=3)
    assert list(ev["spike_at"]) == [1, 1] and list(ev["recovered"]) == [True, False]
    assert list(ev["peak"]) == [50.0, 40.0] and not ev["diverged"].any()


# ---- the store ----------------------------------------------------------------------------------------
def test_store_round_trip_provenance_and_no_silent_overwrite(tmp_path):
    meta = {"provenance": store.provenance({"a": 1}, "cmd")}
    store.save(tmp_path / "r", {"x": np.arange(3)}, meta)
    arrays, got = store.load(tmp_path / "r")
    assert np.array_equal(arrays["x"], np.arange(3)) and got["stale"] == []
    assert "rnnlab.train" in got["provenance"]["source"]
    with pytest.raises(store.ResultExists):
        store.save(tmp_path / "r", {"x": np.zeros(1)}, meta)
    store.save(tmp_path / "r", {"x": np.ones(2)}, meta, overwrite=True)
    assert np.array_equal(store.load(tmp_path / "r")[0]["x"], np.ones(2))
    assert len(list(tmp_path.glob("r.*.npz"))) == 1, "the replaced data file is removed"


def test_store_reports_stale_code_and_corrupt_data(tmp_path):
    meta = {"provenance": store.provenance({}, "cmd")}
    meta["provenance"]["source"]["rnnlab.train"] = "0" * 16
    rec = store.save(tmp_path / "r", {"x": np.arange(3)}, meta)
    _, got = store.load(tmp_path / "r")
    assert got["stale"] == ["rnnlab.train"] and "changed since" in store.describe(got)
    data = tmp_path / json.loads(rec.read_text())["data_file"]
    data.write_bytes(b"garbage")
    with pytest.raises(store.ResultCorrupt):
        store.load(tmp_path / "r")


KILLER = textwrap.dedent("""
    import sys, numpy as np
    from rnnlab import store
    i = 0
    while True:
        i += 1
        store.save(sys.argv[1], {"x": np.full(200_000, float(i))}, {"i": i}, overwrite=True)
""")


def test_killing_a_writer_at_any_moment_leaves_a_readable_result(tmp_path):
    target = tmp_path / "r"
    store.save(target, {"x": np.zeros(200_000)}, {"i": 0})
    for delay in (0.05, 0.13, 0.29, 0.41):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(target)])
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        arrays, meta = store.load(target)
        assert np.all(arrays["x"] == meta["i"]), "the record and its data always match"


# ---- sweeps -------------------------------------------------------------------------------------------
def square_cell(cell):
    rng = np.random.default_rng(cell["seed"])
    return {"y": rng.normal(size=3) * cell["scale"]}


CELLS = [{"key": f"s{s}", "seed": s, "scale": 2.0} for s in range(4)]


def test_sweep_resumes_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, CELLS[:2], out, log=lambda m: None)
    (out / "manifest.json").unlink()                       # as if interrupted after two cells
    logs = []
    res = sweep.run_cells(square_cell, CELLS, out, log=logs.append)
    assert sum("reusing the stored cell" in m for m in logs) == 2 and len(res) == 4
    assert any("2 of 4 cells reused" in m for m in logs), "resume says what it reuses"
    assert np.array_equal(res[3]["arrays"]["y"], square_cell(CELLS[3])["y"])
    with pytest.raises(store.ResultExists):
        sweep.run_cells(square_cell, CELLS, out, log=lambda m: None)


def test_sweep_with_two_processes_matches_the_serial_run(tmp_path):
    serial = sweep.run_cells(square_cell, CELLS, tmp_path / "a", log=lambda m: None)
    par = sweep.run_cells(square_cell, CELLS, tmp_path / "b", jobs=2, log=lambda m: None)
    assert all(np.array_equal(s["arrays"]["y"], p["arrays"]["y"]) for s, p in zip(serial, par))


def test_sweep_on_a_dask_cluster_of_worker_processes(tmp_path):
    """What a real cluster needs: cells pickled to other processes, workers that import rnnlab, files
    written by another process. Two worker processes on loopback; the whole test is bounded in time."""
    distributed = pytest.importorskip("dask.distributed", reason="dask is an optional extra")
    faulthandler.dump_traceback_later(300, exit=True)           # a hung cluster fails the run, never blocks it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                          dashboard_address=None) as cluster:
                res = sweep.run_cells(square_cell, CELLS, tmp_path / "d", scheduler=cluster.scheduler_address,
                                      log=lambda m: None)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert [r["cell"]["key"] for r in res] == [c["key"] for c in CELLS]
    assert np.array_equal(res[0]["arrays"]["y"], square_cell(CELLS[0])["y"])
    writers = {r["meta"]["provenance"]["pid"] for r in res}
    assert os.getpid() not in writers, "the cells were computed and written by the worker processes"


def test_sweep_rejects_bad_cells(tmp_path):
    with pytest.raises(ValueError, match="unique keys"):
        sweep.run_cells(square_cell, [CELLS[0], CELLS[0]], tmp_path)
    with pytest.raises(ValueError, match="jobs"):
        sweep.run_cells(square_cell, CELLS, tmp_path, jobs=0)


def test_train_leaves_its_input_unchanged():
    spec, task = stack.ModelSpec(hidden_size=4), tasks.AddingTask(5)
    p0 = stack.init(spec, np.random.default_rng(0))
    before = {k: v.copy() for k, v in p0.items()}
    p1, _ = train.train(p0, spec, task, train.TrainConfig(steps=3, lr=0.1), np.random.default_rng(1))
    assert all(np.array_equal(p0[k], before[k]) for k in p0)
    assert any(not np.array_equal(p1[k], before[k]) for k in p0)


def _stems(folder, keys):
    """The stored stems (``key.<settings hash>``) of the cells with these keys."""
    return [sweep.find_cell(folder, c).name for k in keys for c in CELLS if c["key"] == k]


def _pretend_code_changed(folder, keys):
    """Rewrite the recorded hash of rnnlab.train in each cell, as if the code had changed since."""
    for k in _stems(folder, keys):
        rec = folder / f"{k}.json"
        meta = json.loads(rec.read_text())
        meta["provenance"]["source"]["rnnlab.train"] = "0" * 16
        rec.write_text(json.dumps(meta))


def test_verifying_a_refactor_clears_staleness_only_when_the_cells_reproduce(tmp_path):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, CELLS, out, log=lambda m: None)
    _pretend_code_changed(out, [c["key"] for c in CELLS])
    assert sweep.load_manifest(out)["stale"] == ["rnnlab.train"]

    def changed(cell):                                   # a "refactor" that changes a number
        return {"y": square_cell(cell)["y"] + 1e-12}

    logs = []
    assert not sweep.verify_cells(changed, CELLS, out, sample=2, log=logs.append)
    assert not (out / store.VERIFIED).exists() and all("differs in y" in m for m in logs)
    assert sweep.load_manifest(out)["stale"] == ["rnnlab.train"]

    logs = []
    assert sweep.verify_cells(square_cell, CELLS, out, sample=2, log=logs.append)
    assert [m.split(":")[0] for m in logs] == ["s0", "s3"], "first and last cell are re-run"
    manifest = sweep.load_manifest(out)
    assert manifest["stale"] == [] and manifest["verified"]["checked"] == _stems(out, ["s0", "s3"])
    _, meta = store.load(sweep.find_cell(out, CELLS[1]))
    assert meta["stale"] == [] and "matched bit for bit" in store.describe(meta)
    entry = store.verification(sweep.find_cell(out, CELLS[2]))
    assert entry["covers"] == _stems(out, ["s0", "s1", "s2", "s3"])


def test_a_verification_does_not_vouch_for_results_it_does_not_cover(tmp_path):
    out = tmp_path / "g"
    sweep.run_cells(square_cell, CELLS[:2], out, log=lambda m: None)
    s0, s1 = _stems(out, ["s0", "s1"])
    store.record_verification(out, [s0], [s0])
    _pretend_code_changed(out, ["s0", "s1"])
    assert store.load(out / s1)[1]["stale"] == ["rnnlab.train"]
    with pytest.raises(ValueError, match="checked"):
        store.record_verification(out, [s0], [s1])
    with pytest.raises(FileNotFoundError, match="covers"):
        store.record_verification(out, [s0, "nope"], [s0])


def test_rate_bounds_near_0_and_100_percent_keep_a_digit():
    assert stats.fmt_rate(0, 996) == "0/996 (0 %, 95 % CI 0–0.4 %)"
    assert stats.fmt_rate(996, 996) == "996/996 (100 %, 95 % CI 99.6–100 %)"
    assert stats.fmt_rate(0, 20) == "0/20 (0 %, 95 % CI 0–16 %)"


def test_verify_compares_integer_arrays_and_skips_measured_times(tmp_path):
    calls = iter(range(100))

    def timed(cell):
        return {"k": np.arange(3) + cell["seed"], "ok": np.array([True]), "t": np.array([float(next(calls))])}

    out = tmp_path / "g"
    sweep.run_cells(timed, CELLS, out, log=lambda m: None)
    assert not sweep.verify_cells(timed, CELLS, out, log=lambda m: None)           # the times differ
    assert sweep.verify_cells(timed, CELLS, out, measured=("t",), log=lambda m: None)
