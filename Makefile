# ParkOS: `make demo` runs the demo park; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck audit-deps unit install browser-deps bench bench-smoke messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ParkOS needs Python 3.11 or newer: run make with PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The year report's share poster is drawn with a Chinese font from Debian (never downloaded at run time):
# installed here when missing and make runs as root; otherwise the demo still starts, says so loudly, and
# the poster page shows the same advice.
demo: install
	@if [ -n "$$PARKOS_POSTER_FONT" ] && [ ! -f "$$PARKOS_POSTER_FONT" ]; then \
	  echo "*** PARKOS_POSTER_FONT=$$PARKOS_POSTER_FONT is not a file: year-report posters cannot be drawn." >&2; \
	elif [ -z "$$PARKOS_POSTER_FONT" ] && [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] \
	     && [ ! -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's fonts-wqy-microhei for the year report's share poster"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; } \
	      || echo "*** Could not install fonts-wqy-microhei: year-report posters cannot be drawn." >&2; \
	  else \
	    echo "*** No Chinese font for the year report's share poster: posters cannot be drawn until you run" >&2; \
	    echo "***   sudo apt-get install fonts-wqy-microhei   (or set PARKOS_POSTER_FONT to a .ttf/.ttc/.otf with Chinese)" >&2; \
	  fi; \
	fi
	$(BIN)/parkos migrate --noinput -v 0
	$(BIN)/parkos collectstatic --noinput -v 0
	PORT=$(PORT) $(BIN)/parkos seed-demo
	$(BIN)/parkos search-reindex
	PORT=$(PORT) exec $(BIN)/parkos serve --port $(PORT) --show-demo-logins --example-apps

# Debian's Chromium for the browser tests (never `playwright install`: nothing may download a browser).
# Debian's chromium (browser tests), a CJK font, nginx (the reverse proxy put in front of ParkOS by
# core/tests/test_proxy_server.py) and redis-server (the map's Redis-failure test starts its own).
# The tests start their own nginx on 127.0.0.1; the package's own service is not wanted, so it is
# stopped and disabled where systemd started it.
browser-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian's$$missing for the browser and proxy tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  case "$$missing" in *nginx*) \
	    if [ -d /run/systemd/system ]; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi;; \
	  esac; \
	fi

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/python -m parkos.core.i18n_check

typecheck: install
	$(BIN)/mypy src/parkos

# Known vulnerabilities in the installed dependencies (pip-audit), judged against dependency-audit.toml.
audit-deps: install
	$(BIN)/python -m parkos.core.dep_audit

unit: install browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck audit-deps unit

# The benchmarks log operators and butlers in with force_login (no second step): two-factor authentication
# is required of nobody there (accounts/twofactor.py; a verified session costs the same per request).
bench: install
	TWO_FACTOR_REQUIRED_ROLES=none $(BIN)/python -m bench $(BENCH_ARGS)

bench-smoke: install
	TWO_FACTOR_REQUIRED_ROLES=none $(BIN)/python -m bench --smoke

# Maintainers: refresh the message catalogs (needs GNU gettext) and compile them.
messages: install
	cd src/parkos && ../../$(BIN)/parkos makemessages -l zh_Hans -l zh_Hant -l en --no-obsolete -i "bench/*"
	$(BIN)/python -m parkos.core.i18n_check --fill --compile

clean:
	rm -rf var/test-* .mypy_cache .ruff_cache
