"""The command line refuses bad arguments with a usage message and exit code 2, never a traceback."""
import os
import socket
import subprocess
import sys

import pytest

from rnnlab.grids import __main__ as cli

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def _closed_port() -> int:
    with socket.socket() as s:                     # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAD = [
    (["stacked", "--jobs", "0"], "--jobs: must be a positive integer; got '0'"),
    (["stacked", "--jobs", "-3"], "--jobs: must be a positive integer; got '-3'"),
    (["stacked", "--jobs", "two"], "--jobs: must be a positive integer; got 'two'"),
    (["stacked", "--verify", "0"], "--verify: must be a positive integer; got '0'"),
    (["nope"], "argument name: invalid choice: 'nope'"),
    (["stacked", "--scheduler", "localhost"], "--scheduler: must be a Dask scheduler address"),
    (["stacked", "--scheduler", "tcp://127.0.0.1:{port}"], "cannot be reached"),
    (["stacked", "--scheduler", "tcp://127.0.0.1:{port}", "--jobs", "2"], "exclude each other"),
    (["relu0_training", "--jobs", "2"], "--jobs applies to grids; relu0_training is a single result"),
    (["relu0_training", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler applies to grids"),
    (["relu0_training", "--verify", "2"], "--verify applies to grids"),
    (["stacked", "--frobnicate"], "unrecognized arguments: --frobnicate"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_arguments_give_usage_and_exit_code_2(argv, message, capsys):
    argv = [a.format(port=_closed_port()) for a in argv]
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.startswith("usage: python -m rnnlab.grids"), err
    assert message in err and "Traceback" not in err, err


def test_no_traceback_from_a_real_process():
    env = dict(os.environ, PYTHONPATH=SRC, OPENBLAS_NUM_THREADS="1")
    for argv in (["stacked", "--jobs", "0"], ["stacked", "--verify", "-1"]):
        p = subprocess.run([sys.executable, "-m", "rnnlab.grids", *argv], capture_output=True, text=True, env=env,
                           timeout=120)
        assert p.returncode == 2 and "usage:" in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_a_refusal_is_a_message_and_exit_code_2(tmp_path, capsys):
    code = cli.main(["stacked", "--tiny", "--out", str(tmp_path / "empty"), "--verify", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("refused: none of the grid's cells is stored"), err
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit) as info:
        cli.main(["stacked", "--out", str(tmp_path / "file")])
    assert info.value.code == 2 and "--out must be a folder" in capsys.readouterr().err


def test_help_lists_the_names(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0 and "relu0_training" in out and "--progress" in out
