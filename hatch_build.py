"""Build hook of the rnnlab wheel (pyproject.toml): the stored results travel with the package.

Everything in results/ at build time is copied into the wheel as rnnlab/_results/, where
rnnlab.stored finds it when rnnlab is not a source checkout. No list to maintain: a new result
folder ships with the next build. An editable install (`pip install -e .`) gets no copy: it reads
the repository's results/ directly.
"""
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class StoredResults(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        results = Path(self.root) / "results"
        if self.target_name == "wheel" and version == "standard" and results.is_dir():
            build_data["force_include"][str(results)] = "rnnlab/_results"
