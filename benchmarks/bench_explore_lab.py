"""A live explorer update measured end to end in JupyterLab: key press on a slider -> new figure on screen.

    .venv/bin/python benchmarks/bench_explore_lab.py [--updates N]

Starts JupyterLab (RNNLAB_LIVE=1, as `make lab` does) on a free local port, opens a notebook holding
chapter 4's explorer (rnnlab.instruments.widgets.eigen_explorer) in headless chromium, runs it, then presses the
arrow keys on the explorer's sliders N times. Each timing is taken in the page: from the key press to the
moment the figure's SVG in the page has changed (the slider's value travels to the kernel, compute runs,
the new SVG travels back and is rendered). Needs chromium and chromedriver (tools/install_browser.sh).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
         "--disable-component-update --disable-sync").split()

MEASURE = """
var done = arguments[arguments.length - 1], n = arguments[0], times = [];
var plot = document.querySelector(".widget-html-content svg.rnnx-svg").parentNode;
var handles = Array.from(document.querySelectorAll(".widget-hslider .noUi-handle, .widget-hslider [role=slider]"));
var k = 0, dir = 1;
function step() {
  if (k >= n) { done(times); return; }
  var h = handles[k % handles.length], before = plot.innerHTML, t0 = performance.now(), over = false;
  var obs = new MutationObserver(function () {
    if (!over && plot.innerHTML !== before) {
      over = true; obs.disconnect(); times.push(performance.now() - t0); k++; setTimeout(step, 150);
    }
  });
  obs.observe(plot, {childList: true, subtree: true, characterData: true, attributes: true});
  if (k % 6 === 0) dir = -dir;
  h.focus();
  h.dispatchEvent(new KeyboardEvent("keydown", {key: dir > 0 ? "ArrowRight" : "ArrowLeft", bubbles: true}));
  // a slider already at its end does not move: turn round and try again (not timed)
  setTimeout(function () { if (!over) { over = true; obs.disconnect(); dir = -dir; step(); } }, 3000);
}
step();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=20)
    p.add_argument("--widget", choices=("explore", "live"), default="explore",
                   help="explore: widgets.eigen_explorer() (rnnlab.explore); live: chapter 4's widgets.LiveExplorer()")
    args = p.parse_args(argv)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    work = Path(tempfile.mkdtemp(prefix="rnnlab-lab-"))
    code = {"explore": "from rnnlab.instruments import widgets\nex = widgets.eigen_explorer()\nex.display()",
            "live": "from rnnlab.instruments import widgets\ndisplay(widgets.LiveExplorer().widget)"}[args.widget]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "explorer.ipynb")
    port, token = free_port(), "rnnlab-bench"
    env = dict(os.environ, RNNLAB_LIVE="1", OPENBLAS_NUM_THREADS="1")
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--allow-root",
                            f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
                            f"--ServerApp.root_dir={work}"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    profile = tempfile.mkdtemp(prefix="rnnlab-chromium-")
    driver = None
    try:
        opts = webdriver.ChromeOptions()
        for flag in FLAGS + [f"--user-data-dir={profile}", "--window-size=1280,1000"]:
            opts.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
        driver.set_script_timeout(300)
        for _ in range(60):                                   # wait for the server
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(1)
        driver.get(f"http://127.0.0.1:{port}/lab/tree/explorer.ipynb?token={token}")
        WebDriverWait(driver, 120).until(lambda d: d.execute_script(
            "return !!(window.jupyterapp && document.querySelector('.jp-Notebook'))"))
        time.sleep(3)
        driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        WebDriverWait(driver, 180).until(lambda d: d.execute_script(
            "return !!document.querySelector('.widget-html-content svg.rnnx-svg')"))
        times = driver.execute_async_script(MEASURE, args.updates)
    finally:
        if driver is not None:
            driver.quit()
        lab.terminate()
        lab.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    res = {"median_ms": statistics.median(times), "max_ms": max(times), "n": len(times)}
    print(f"{args.widget} explorer in JupyterLab, key press to new figure: median {res['median_ms']:.0f} ms, "
          f"max {res['max_ms']:.0f} ms over {res['n']} updates (target <= 100 ms)")
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
