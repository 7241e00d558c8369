"""Speed of a live explorer update (rnnlab.explore), measured inside a real Jupyter kernel.

    .venv/bin/python benchmarks/bench_explore.py [--updates N]

Starts a python3 kernel (nbclient), builds chapter 4's explorer (widgets.eigen_explorer)
in its live form, then sets the controls N times, cycling through changes of radius,
length T and activation (a change of T or activation recomputes the Jacobian norms of
3 random RNNs over T steps). Each timing covers what a reader's slider move triggers in
the kernel: the control's new value, compute, the SVG, and the assignment to the output
widget, which serialises the SVG and sends it on the widget's comm channel. The
browser's repaint of an inline SVG comes on top (a few ms). The target is <= 100 ms.
"""
from __future__ import annotations

import argparse
import json

import nbformat
from nbclient import NotebookClient

CODE = """
import json, statistics
from rnnlab.instruments import widgets
ex = widgets.eigen_explorer()
box = ex.widget()
display(box)
moves = [dict(radius=1.1), dict(T=50), dict(act="relu"), dict(radius=1.5), dict(T=100), dict(act="tanh"),
         dict(radius=0.9), dict(T=25), dict(act="sigmoid"), dict(radius=2.0)]
times = [ex.update(**moves[i % len(moves)]) for i in range({n})]
print(json.dumps({{"median_ms": 1e3 * statistics.median(times), "max_ms": 1e3 * max(times), "n": len(times)}}))
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=30)
    args = p.parse_args(argv)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CODE.format(n=args.updates))])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("name") == "stdout")
    res = json.loads(text.strip().splitlines()[-1])
    print(f"live explorer update in a kernel: median {res['median_ms']:.1f} ms, max {res['max_ms']:.1f} ms "
          f"over {res['n']} updates (target <= 100 ms)")
    return res


if __name__ == "__main__":
    main()
