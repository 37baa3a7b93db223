"""The install step of every notebook's setup cell, run where `infogan_utils` is missing
(Colab, or a kernel without the project installed).

The setup cell clones the repository into FOLDER, then runs this file with `exec`, so
REPO_URL and FOLDER come from the cell. It installs the series with pip, makes it
importable without a restart, moves into the clone's notebooks/ (so ../data resolves as in
a local clone), and turns on Colab's widget manager for the sliders.
"""
import os
import subprocess
import sys

print(f"Installing the series from {REPO_URL} (a minute or two) ...")  # noqa: F821
_pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", FOLDER],  # noqa: F821
                      capture_output=True, text=True)
if _pip.returncode:
    raise RuntimeError(f"Could not install the series: {_pip.stderr}\nConnect to the internet "
                       f"and run this cell again, or clone {REPO_URL} yourself and run "  # noqa: F821
                       "`pip install -e .` in it.")
sys.path.insert(0, os.path.abspath(FOLDER))  # noqa: F821  importable now, without a restart
os.chdir(os.path.join(FOLDER, "notebooks"))  # noqa: F821  as if opened from the clone
if "google.colab" in sys.modules:  # Colab shows ipywidgets (the sliders) only when asked
    from google.colab import output
    output.enable_custom_widget_manager()
import infogan_utils  # noqa: E402,F401
