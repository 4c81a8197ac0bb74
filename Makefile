# Two commands: `make run` and `make test` (see README.md). Each installs what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
DSFR := app/static/dsfr/dsfr.min.css
DIAGRAMMES := app/static/vendor/.installe
AXE := tools/essais/node_modules/axe-core/axe.min.js
CHROMIUM ?= /usr/bin/chromium

.PHONY: run serve serve-verifier test test-postgresql install assets db demo worker lint bench fuzz clean couverture traductions

# The worker (mail outbox, then timers) runs beside the web server and stops with it.
# Without SMTP_HOST it writes each mail to MAIL_DOSSIER (default as in app/config.py), never to a web page.
# The web server is gunicorn (settings in gunicorn.conf.py), two processes unless GUNICORN_WORKERS says otherwise.
GUNICORN := $(BIN)/gunicorn -c gunicorn.conf.py
run: install assets db demo
	@if [ -z "$$SMTP_HOST" ]; then \
	  echo "Aucun serveur SMTP (SMTP_HOST) : les courriels sont écrits dans $${MAIL_DOSSIER:-$${INSTANCE_DIR:-instance}/courriels}/" ; \
	  echo "  (un fichier .eml par courriel, lisible par vous seul) ; pour les lister : $(FLASK) courriels-lister" ; \
	fi
	$(FLASK) worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	GUNICORN_WORKERS=$${GUNICORN_WORKERS:-2} $(GUNICORN)

# Production start (README « Serveur web et production »): no demo data; the settings must be given, never the
# defaults of a laptop. The check comes first, before anything is installed. Migrations, then one worker beside gunicorn.
serve: serve-verifier install assets
	$(FLASK) db upgrade
	$(FLASK) worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(GUNICORN)

serve-verifier:
	@if [ -z "$$SECRET_KEY" ]; then \
	  echo "make serve : SECRET_KEY n'est pas fixée. En production, donnez une clé secrète d'au moins 32 caractères," >&2 ; \
	  echo "  la même pour tous les processus et toutes les machines, par exemple :" >&2 ; \
	  echo "  export SECRET_KEY=\"\$$(python3 -c 'import secrets; print(secrets.token_hex(32))')\"" >&2 ; \
	  exit 1 ; \
	fi
	@if [ $${#SECRET_KEY} -lt 32 ]; then \
	  echo "make serve : SECRET_KEY est trop courte ($${#SECRET_KEY} caractères) : 32 au moins, tirés au hasard." >&2 ; \
	  exit 1 ; \
	fi
	@if [ -z "$$DATABASE_URL" ]; then \
	  echo "make serve : DATABASE_URL n'est pas fixée. En production, nommez la base, par exemple" >&2 ; \
	  echo "  postgresql+psycopg://utilisateur@hote:5432/titre_sejour (plusieurs machines)" >&2 ; \
	  echo "  ou sqlite:////srv/titre-sejour/titre_sejour.db (une seule machine)." >&2 ; \
	  exit 1 ; \
	fi

# The workflow tests record the sequence flows they take (F-45): the build fails if a flow is never taken. The relevé
# of an earlier run is removed first, so only this run's is checked.
RELEVE = $${INSTANCE_DIR:-instance}/couverture-processus.json
# The suite runs in parallel (pytest-xdist): one worker process per core unless PYTEST_WORKERS says otherwise
# (PYTEST_WORKERS=0: in this process, as `pytest` alone). A file's tests stay on one worker (--dist loadfile), so its
# module fixtures are built once; each worker adds its flows to the relevé (tests/workflow/conftest.py).
PYTEST_WORKERS ?= auto
PARALLELE = -n $(PYTEST_WORKERS) --dist loadfile

test: install assets $(AXE) $(CHROMIUM)
	$(BIN)/ruff check app tests bench
	rm -f $(RELEVE)
	CHROMIUM=$(CHROMIUM) COUVERTURE_PROCESSUS=$(RELEVE) $(BIN)/python -m pytest $(PARALLELE)
	$(FLASK) processus couverture --releve $(RELEVE)

# The whole suite again on PostgreSQL (F-47): a private throw-away server (tools/avec-postgresql: installs Debian's
# package if absent, a cluster in a temporary folder on 127.0.0.1, removed on exit) and TEST_DATABASE_URL pointing to
# it. Path coverage was checked by `make test`: the relevé is not written here. Same pytest options as `test`.
test-postgresql: install assets $(AXE) $(CHROMIUM)
	CHROMIUM=$(CHROMIUM) bash tools/avec-postgresql $(BIN)/python -m pytest $(PARALLELE)

# Path coverage alone: the workflow tests with the recorder (the re-saved files' rerun adds no flow), then the flows
# never taken, per process. The analysts' page « Couverture des tests » reads the same file.
couverture: install
	rm -f $(RELEVE)
	COUVERTURE_PROCESSUS=$(RELEVE) $(BIN)/python -m pytest -q -p no:cacheprovider $(PARALLELE) tests/workflow \
	  --ignore=tests/workflow/test_resauvegarde.py
	$(FLASK) processus couverture --releve $(RELEVE)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The DSFR is reserved to State services: installing it needs its licence accepted, with
# DSFR_ACCEPT_LICENSE=1 or a .dsfr.yml (see README). Without it the app runs on a plain stylesheet.
assets: $(DSFR) $(DIAGRAMMES)

# bpmn-js and dmn-js (the analysts' workspace), served locally: their own npm folder, so no DSFR comes with them.
$(DIAGRAMMES): tools/diagrammes/package.json tools/diagrammes/package-lock.json
	cd tools/diagrammes && npm ci --no-audit --no-fund --silent
	rm -rf app/static/vendor && mkdir -p app/static/vendor/bpmn-js app/static/vendor/dmn-js app/static/vendor/properties-panel
	cd tools/diagrammes/node_modules && \
	  cp -r bpmn-js/dist/assets bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	    bpmn-js/dist/bpmn-modeler.production.min.js bpmn-js/LICENSE ../../../app/static/vendor/bpmn-js/ && \
	  cp -r dmn-js/dist/assets dmn-js/dist/dmn-viewer.production.min.js dmn-js/dist/dmn-modeler.production.min.js \
	    dmn-js/LICENSE ../../../app/static/vendor/dmn-js/ && \
	  cp bpmn-js-properties-panel/dist/bpmn-js-properties-panel.umd.js @bpmn-io/properties-panel/dist/assets/properties-panel.css \
	    ../../../app/static/vendor/properties-panel/
	touch $@

# axe-core, injected by the browser tests into each page they visit (F-19): its own npm folder, never the DSFR.
$(AXE): tools/essais/package.json tools/essais/package-lock.json
	cd tools/essais && npm ci --no-audit --no-fund --silent
	touch $@

$(DSFR): package.json
	@if [ "$$DSFR_ACCEPT_LICENSE" = "1" ] || [ -f .dsfr.yml ]; then \
	  npm install --no-audit --no-fund --silent && \
	  rm -rf app/static/dsfr && mkdir -p app/static/dsfr && \
	  cp -r node_modules/@gouvfr/dsfr/dist/. app/static/dsfr/ ; \
	else \
	  echo "DSFR non installé : licence non acceptée (DSFR_ACCEPT_LICENSE=1 ou .dsfr.yml, voir README)." ; \
	  echo "L'application utilisera une feuille de style simple." ; \
	fi

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Installez Chromium (paquet Debian chromium)"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null

db: install
	$(FLASK) db upgrade

# French and English (F-18): the French msgids of the code and templates are extracted, merged into the English
# catalogue (new ones come in untranslated: translate them in app/translations/en/LC_MESSAGES/messages.po, then run
# this again), and compiled. The .mo is committed, so a fresh clone needs no build step; tests/unit/
# test_catalogue_complet.py fails if a msgid is untranslated or the .mo is older than the .po.
POT = $${TMPDIR:-/tmp}/titre-sejour-messages.pot
traductions: install
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 -k N_ --no-location --sort-output \
	  -o $(POT) .
	$(BIN)/pybabel -q update -i $(POT) -d app/translations --no-fuzzy-matching --ignore-obsolete -w 120
	$(BIN)/pybabel compile -d app/translations --statistics

demo: db
	$(FLASK) demo-charger

# bpmnlint: recommended rules, warnings fail too, exceptions justified in .bpmnlintrc. `npm exec` runs the version in
# package.json, installed or else fetched into npm's cache: linting never installs the DSFR (licence).
lint: install
	$(BIN)/ruff check app tests bench
	npm exec --yes --package=bpmnlint@$$(node -p "require('./package.json').devDependencies.bpmnlint") -- \
	  bpmnlint --max-warnings=0 bpmn/*.bpmn

# The long fuzzing campaign (F-48): about ten thousand hostile requests, random each time (see tests/web/test_fuzz.py).
fuzz: install
	FUZZ_EXEMPLES=1000 FUZZ_LONG=1 $(BIN)/python -m pytest -p no:cacheprovider tests/web/test_fuzz.py

# Every benchmark of bench/ (F-47), each printing its figures; the load of the machine before each. All run even when
# one misses its target, then `make bench` fails if any did. The journeys (bench/parcours.py) run on SQLite, then on
# PostgreSQL too when DATABASE_URL names a server (a database of its own is created there and dropped).
BENCHS = engine pdf televersement parcours delais file_agent
bench: install
	@echec=0; for b in $(BENCHS); do \
	  [ -f bench/$$b.py ] || continue; \
	  echo "== bench/$$b.py — charge :$$(uptime | sed 's/.*load average//')"; \
	  if [ $$b = parcours ]; then \
	    env -u DATABASE_URL $(BIN)/python bench/parcours.py || echec=1; \
	    if [ -n "$$DATABASE_URL" ]; then $(BIN)/python bench/parcours.py || echec=1; fi; \
	  else $(BIN)/python bench/$$b.py || echec=1; fi; \
	done; exit $$echec

clean:
	rm -rf $(VENV) node_modules app/static/dsfr tools/diagrammes/node_modules app/static/vendor tools/essais/node_modules
