# make book   -- build the executable book (default profile standard, device auto,
#                generated jets; DATA_SOURCE=benchmark reads the top-tagging benchmark files)
# make test   -- run the test suite (needs chromium + chromedriver: installed with apt-get)
#
# Both targets are self-sufficient on a fresh machine: they create .venv when missing and
# install torch first, then this package with its test extras.  A stamp file skips the
# installation on later runs until pyproject.toml changes.

PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= standard
DEVICE  ?= auto
DATA_SOURCE ?= generated
# Must equal the torch pin in pyproject.toml (tests/test_environment.py checks it).
TORCH_SPEC ?= torch==2.13.0
# Optional extra index for torch, e.g. https://download.pytorch.org/whl/cpu for a small
# CPU-only wheel; empty = PyPI (on a GPU machine PyPI's wheel comes with CUDA).
TORCH_INDEX_URL ?=

VPY   := $(VENV)/bin/python
STAMP := $(VENV)/.jetbook-installed

.PHONY: book test venv browser clean

book: $(STAMP)
	$(VPY) -m helpers.book build --profile $(PROFILE) --device $(DEVICE) --data-source $(DATA_SOURCE)

# test files run side by side, one process per core (TEST_JOBS=1: one after the other); the
# files' own tests stay together in one process, so a module's fixtures (the ci book build)
# are made once
TEST_JOBS ?= auto

test: $(STAMP) browser
	$(VPY) -m pytest -q -n $(TEST_JOBS) --dist loadfile

venv: $(STAMP)

$(VPY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install "$(TORCH_SPEC)" $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))
	$(VPY) -m pip install -e ".[test]"
	# energyflow only cross-checks the book's own EFPs (tests/test_efp.py); its dependency
	# wasserstein's wheel pins numpy < 2 and would downgrade numpy, but both work with numpy 2
	# when installed without their dependencies (so they are not in pyproject.toml)
	$(VPY) -m pip install --no-deps energyflow==1.4.0 wasserstein==1.1.0
	touch $@

# Headless Chromium + chromedriver for tests/test_book.py (Debian packages).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing chromium and chromium-driver with apt-get"; \
	  $$SUDO apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium chromium-driver; \
	fi

clean:
	rm -rf _build
