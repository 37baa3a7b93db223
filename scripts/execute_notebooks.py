"""Execute notebooks top to bottom in place (full mode) and strip widget state.

    python scripts/execute_notebooks.py notebooks/01_*.ipynb [--fast] [--mode class]
        [--native-isa] [--timeout 3600]

The stored cell timings are the lesson's running time (infogan_utils.series), so by
default the notebooks run in the laptop case: oneDNN capped at AVX2
(ONEDNN_MAX_CPU_ISA=AVX2), hence float32 and no bfloat16, whatever this CPU has.
`--mode class` sets INFOGAN_MODE=class (notebook 03 trains for a lesson's length).

The index (00_*) runs last: it prints the running times stored in the others.
Committed notebooks keep their outputs (readers on GitHub see the figures) but no
stored widget state (tests/test_notebook_files.py checks both).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def strip_tensorflow_log_noise(nb) -> None:
    """Drop the stderr lines TensorFlow prints before its logging starts (they are the
    same on every machine and say nothing about the lesson)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            cell.pop("outputs", None)  # only code cells have outputs (nbformat schema)
            continue
        cell["outputs"] = [
            out for out in cell.get("outputs", [])
            if not (out.get("output_type") == "stream" and out.get("name") == "stderr"
                    and "".join(out.get("text", "")).startswith(
                        "WARNING: All log messages before absl::InitializeLog()"))]


def strip_widget_state(nb) -> None:
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("widgets", None)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            data.pop("application/vnd.jupyter.widget-state+json", None)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("paths", nargs="+")
    p.add_argument("--fast", action="store_true", help="set INFOGAN_FAST=1 (CI mode)")
    p.add_argument("--mode", choices=("full", "class"), default="full",
                   help="INFOGAN_MODE for the notebooks that train (class: a lesson's length)")
    p.add_argument("--native-isa", action="store_true",
                   help="use this CPU's full instruction set (bfloat16 where it has it) "
                        "instead of the laptop case")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = p.parse_args()
    if not args.native_isa:
        os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
    if args.mode == "class":
        os.environ["INFOGAN_MODE"] = "class"
    else:
        os.environ.pop("INFOGAN_MODE", None)
    if args.fast:
        os.environ["INFOGAN_FAST"] = "1"
    else:
        os.environ.pop("INFOGAN_FAST", None)
    # The index prints the times stored in the other notebooks: run it after them.
    paths = sorted(map(Path, args.paths), key=lambda p: (p.name.startswith("00_"), str(p)))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        t = time.perf_counter()
        NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        strip_widget_state(nb)
        strip_tensorflow_log_noise(nb)
        nbformat.validate(nb)
        nbformat.write(nb, path)
        print(f"{path}: executed in {time.perf_counter() - t:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
