# One entry point for a newcomer and for CI. `make demo` and `make test` set up everything
# they need first: Debian packages (when missing and running as root), a virtualenv and
# the Python packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VAR ?= var
HOST ?= 127.0.0.1
PORT ?= 5000
DEBIAN_PACKAGES := libmagic1 poppler-utils mdbtools tesseract-ocr tesseract-ocr-ara tesseract-ocr-fas \
	tesseract-ocr-urd tesseract-ocr-eng antiword catdoc ffmpeg python3-xapian xapian-tools \
	djvulibre-bin libchm-bin p7zip-full pst-utils libreoffice-core libreoffice-writer \
	libreoffice-calc libreoffice-impress libreoffice-draw
TEST_PACKAGES := chromium fonts-noto-core fonts-dejavu-core
BENCH_PACKAGES := recoll python3-recoll fonts-noto-core
# Xapian's Python bindings come from Debian (python3-xapian, built by Debian from Xapian's
# own sources) rather than a third-party PyPI wheel. They live in Debian's dist-packages,
# which the venv (another Python 3.11 build) does not see; a .pth file adds a folder that
# holds only a link to the xapian package, so no other Debian module leaks into the venv.
XAPIAN_DIR := /usr/lib/python3/dist-packages/xapian
XAPIAN_PTH := $(VENV)/lib/python3.11/site-packages/debian-xapian.pth

.PHONY: setup system-packages demo index news serve test lint bench clean

setup: system-packages $(BIN)/docket $(XAPIAN_PTH)

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES) $(EXTRA_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)"; \
	  fi; \
	fi

$(BIN)/docket: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

$(XAPIAN_PTH): $(BIN)/docket
	@test -d $(XAPIAN_DIR) || { echo "Missing $(XAPIAN_DIR): apt-get install python3-xapian"; exit 1; }
	mkdir -p $(VENV)/debian-xapian
	ln -sfn $(XAPIAN_DIR) $(VENV)/debian-xapian/xapian
	echo "$(abspath $(VENV))/debian-xapian" > $@
	$(BIN)/python -c "import xapian"

index: setup
	$(BIN)/docket index sample_docs/release --var $(VAR) || [ $$? -eq 1 ]

news: index
	$(BIN)/docket news add sample_docs/news --var $(VAR)

serve: setup
	$(BIN)/docket serve --var $(VAR) --host $(HOST) --port $(PORT)

# Index the bundled sample collection (some files are broken on purpose, so exit code 1
# from `docket index` is expected), add the sample news and link it, and serve it on
# http://127.0.0.1:5000 (another port: PORT=8080 ./dev demo).
demo: news serve

lint: setup
	$(BIN)/ruff check .

test: EXTRA_PACKAGES = $(TEST_PACKAGES)
test: setup lint
	$(BIN)/pytest -q

bench: EXTRA_PACKAGES = $(BENCH_PACKAGES)
bench: setup
	$(BIN)/python bench/search_eval.py
	$(BIN)/python bench/index_bench.py

clean:
	rm -rf $(VAR) .pytest_cache
