# `make run` and `make test` need only Python 3.11: they create .venv and install the project.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench clean jobs job

# `make run PORT=8011 HOST=0.0.0.0` changes where the demo listens (default 127.0.0.1:8000).
run: $(STAMP)
	$(BIN)/python app.py $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

test: $(STAMP)
	bash .ci/pytest-all

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PYTHON) not found; set PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make jobs` lists the scheduled jobs; `make job JOB=weekly_report_reminder NOW=2026-11-27T15:00:00+08:00`
# runs one (both on the demo config and var/demo.db unless CONFIG=path is given).
jobs: $(STAMP)
	$(BIN)/python app.py jobs list $(if $(CONFIG),--config $(CONFIG))

job: $(STAMP)
	@test -n "$(JOB)" || { echo "请指定任务，例如：make job JOB=weekly_report_reminder NOW=2026-11-27T15:00:00+08:00"; exit 2; }
	$(BIN)/python app.py jobs run $(JOB) $(if $(NOW),--now $(NOW)) $(if $(CONFIG),--config $(CONFIG))

bench: $(STAMP)
	$(BIN)/python bench/webhook.py

clean:
	rm -rf $(VENV) var .pytest_cache
