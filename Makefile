# The two commands of the README: `make figures` and `make test`.
# Each creates or refreshes the local virtual environment .venv when it is missing or
# older than pyproject.toml, so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: figures test lab explore notebooks bench book student clean

# One BLAS thread: the matrices here are small (k <= ~100), where BLAS threads only add
# overhead (a three-level fit on k = 81 took 0.9 s threaded vs 0.05 s single on 2 cores), and a
# fixed thread count keeps floating-point summation order, and so figure bytes, stable.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[notebooks,test,book]"
	touch $(STAMP)

figures: $(STAMP)
	MPLBACKEND=Agg SOURCE_DATE_EPOCH=0 $(BIN)/runecon figures --out figures

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

# The explorer as a standalone web page (Voila: the notebook's widgets, no code shown).
# Open the address it prints (default http://localhost:8866); Ctrl-C stops it.
EXPLORE_PORT ?= 8866
explore: $(STAMP)
	MPLBACKEND=Agg $(BIN)/voila app/explorer.ipynb --port=$(EXPLORE_PORT) \
		--Voila.ip=127.0.0.1 --theme=light

notebooks: $(STAMP)
	MPLBACKEND=Agg $(BIN)/jupyter nbconvert --to notebook --execute --inplace --NotebookClient.record_timing=False notebooks/*.ipynb

# The notebooks as a static HTML site (stored outputs; nothing downloaded): open _build/html/index.html
# (the book extra is installed with the others: `make test` builds the book too)
book: $(STAMP)
	$(BIN)/python -c "import runecon.book as b; print(f'book built in {b.build():.1f} s: _build/html/index.html')"

# Student editions: the notebooks without the cells tagged "solution", outputs cleared
student: $(STAMP)
	$(BIN)/runecon student --out student

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) figures _build student .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
