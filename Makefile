# One task runner for people and CI: `make today`, `make test`, `make bench`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: install today test lint bench bench-voice check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

install: $(STAMP)

## Build today's programmes for the sample station with the offline engine.
today: $(STAMP)
	$(BIN)/broadcast build

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check broadcast tests benchmarks

check: $(STAMP)
	$(BIN)/broadcast check

## The day's build against the encoding floor (also under two CPU hogs), its peak memory (sample day,
## 15-120 min programmes), zones, first audio, planning at scale (1,000 and 10,000 notices), urgent
## pushes to 50 loudspeaker clusters, the station with 50 and 200 receivers heartbeating, and a
## bulletin to 100 communes on loopback.
## Before and after side by side: make bench SCALE_ARGS="--before /path/to/other/.venv/bin/python"
bench: $(STAMP)
	bash .ci/system-packages --bench
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench.py --day --hogs 2
	nice -n 10 $(BIN)/python benchmarks/bench_memory.py
	nice -n 10 $(BIN)/python benchmarks/bench_zones.py
	nice -n 10 $(BIN)/python benchmarks/bench_first_audio.py
	$(BIN)/python benchmarks/bench_scale.py $(SCALE_ARGS)
	nice -n 10 $(BIN)/python benchmarks/bench_receivers.py --receivers 50 --pushes 20
	nice -n 10 $(BIN)/python benchmarks/bench_receiver_programme.py --seconds 60
	nice -n 10 $(BIN)/python benchmarks/bench_cluster_load.py --receivers 50 200
	nice -n 10 $(BIN)/python benchmarks/bench_bulletins.py --communes 100

## Intelligibility: word error rate of each engine and setting (viet-asr, the `bench` extra).
## Search the espeak settings: make bench-voice ARGS=--search
bench-voice: $(STAMP)
	$(BIN)/python -c "import vietasr" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[all,test,bench]'
	nice -n 10 $(BIN)/python benchmarks/bench_voice.py $(ARGS)

clean:
	rm -rf .cache var audio_out/20* assets/nhac_hieu.wav
