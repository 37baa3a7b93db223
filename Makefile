# Two commands on a fresh machine (Python 3.10+, internet):
#   make lab    open the notebook series in JupyterLab
#   make test   run the whole test suite (package tests + every notebook under nbval)
# Both create .venv and install the project into it on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: lab test app train evaluate benchmark notebooks student assignments slides clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[lab,test,teach]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_index.ipynb

# INFOGAN_FAST=1 shrinks training inside the notebooks (the CI switch); tests still
# assert real behaviour in that mode. Two workers (pytest-xdist), each test module and
# each notebook on one of them, use both cores of a 2-core machine.
test: $(STAMP)
	INFOGAN_FAST=1 $(BIN)/python -m pytest -n 2 --dist loadscope tests notebooks --nbval-lax --nbval-current-env \
		--nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider $(PYTEST_ARGS)

# The explorer as a standalone web app (Voila).
app: $(STAMP)
	$(BIN)/voila notebooks/05_explorer_app.ipynb

# Re-execute every notebook in place in full mode and strip widget state (for commits).
notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb

# Student copies of the notebooks, without solutions (generated, not committed).
student: $(STAMP)
	$(BIN)/python scripts/make_student.py --out student notebooks/0*.ipynb

# nbgrader: course/ with lessons 01-04 released to learners (course/release/); grade with
# `cd course && nbgrader autograde <lesson>` (docs/teaching.md).
assignments: $(STAMP)
	$(BIN)/python scripts/nbgrader_course.py --course course

# Lecture slides: one offline reveal.js deck per notebook in slides/ (needs node + npm once).
slides: $(STAMP)
	$(BIN)/python scripts/build_slides.py

# The explorer as a static web page in web/dist/ (opens from file://, no Python needed):
# TensorFlow.js from the npm registry (pinned in web/package-lock.json), the shipped
# generator's weights exported by infogan_utils/web_export.py.
.PHONY: web web-serve
web: $(STAMP) web/node_modules/.package-lock.json
	$(BIN)/python -m infogan_utils.web_export --out web/dist

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

# Serve web/dist/ on http://127.0.0.1:$(WEB_PORT)/ (builds it first if missing; Ctrl-C stops).
WEB_PORT ?= 8000
web-serve:
	test -f web/dist/index.html || $(MAKE) web
	@echo "web explorer: http://127.0.0.1:$(WEB_PORT)/"
	$(PYTHON) -m http.server $(WEB_PORT) --bind 127.0.0.1 --directory web/dist

benchmark: $(STAMP)
	$(BIN)/python benchmarks/train_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache
