# newswatch developer tasks. `make help` lists them.
# Everything a task needs is set up by the task itself: a Python virtual environment in .venv
# and the Apache Kafka broker's jars (resolved from Maven Central) in deploy/kafka/target.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KAFKA_LIBS := deploy/kafka/target/kafka-libs
LOCAL_KAFKA_DIR ?= .local/kafka
LOCAL_KAFKA_PORT ?= 9092
LOCAL_BROKER := $(BIN)/python -m newswatch_devtools.local_broker
ASYNCAPI_DIR := devtools/asyncapi
ASYNCAPI_DEPS := $(ASYNCAPI_DIR)/node_modules/.package-lock.json

DEMO := $(BIN)/python -m newswatch_devtools.demo
DEMO_DIR ?= .local/demo

.PHONY: help setup run demo demo-down test lint typecheck imports promtool test-tools compose-tool unit asyncapi kafka-up kafka-down schemas dashboards clean

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/newswatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,semantic]'
	touch $@

$(KAFKA_LIBS)/.complete: deploy/kafka/pom.xml
	mvn -B -q -f deploy/kafka/pom.xml package
	touch $@

# The official AsyncAPI parser (npm), for the check of schemas/asyncapi.yaml. Without Node the
# check is skipped (tests/contract/test_asyncapi.py says so); .ci/run installs Node.
$(ASYNCAPI_DEPS): $(ASYNCAPI_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(ASYNCAPI_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error \
	    && touch $@; \
	else \
	  echo "npm not found: the AsyncAPI check (tests/contract/test_asyncapi.py) is skipped" >&2; \
	fi

setup: $(BIN)/newswatch $(KAFKA_LIBS)/.complete $(ASYNCAPI_DEPS) ## install the Python environment, the Kafka jars and the AsyncAPI parser

run: setup ## run the ingester; starts a local Kafka unless NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS is set
	@if [ -z "$$NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS" ]; then \
	  NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS=$$($(LOCAL_BROKER) start \
	    --dir $(LOCAL_KAFKA_DIR) --port $(LOCAL_KAFKA_PORT)) || exit 1; \
	  export NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS; \
	  echo "local Kafka at $$NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS (stop it with: make kafka-down)" >&2; \
	fi; \
	exec $(BIN)/newswatch run $(ARGS)

demo: setup ## the offline demo: Kafka, a demo feed server, the ingester, Prometheus, Alertmanager
	$(DEMO) up --dir $(DEMO_DIR) $(ARGS)

demo-down: ## stop the demo (what Ctrl-C in `make demo` does)
	@if [ -x $(BIN)/python ]; then $(DEMO) down --dir $(DEMO_DIR); fi

test: test-tools setup lint typecheck imports promtool compose-tool ## the whole test suite: ruff, mypy --strict, layer rules, promtool, pytest on a real broker
	$(BIN)/pytest

test-tools: ## check that the programs the tests need are installed (says how to install them)
	@bash .ci/test-tools

lint: $(BIN)/newswatch ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/newswatch ## mypy --strict, over the service, the dev tools, tests and benchmarks
	$(BIN)/mypy services schemas devtools tests benchmarks

imports: $(BIN)/newswatch ## the layer rules between packages (import-linter; contracts in pyproject.toml)
	$(BIN)/lint-imports --no-cache

promtool: test-tools ## check the Prometheus config and rules, run their unit tests (apt: prometheus)
	promtool check config deploy/prometheus/prometheus.yml
	promtool test rules deploy/prometheus/tests/*.test.yml

compose-tool: ## build Docker Compose's own command (for `docker-compose config` in the tests; Go, minutes, once)
	@bash devtools/compose/build-compose.sh >/dev/null

unit: $(BIN)/newswatch $(ASYNCAPI_DEPS) ## only the tests that need no broker (component: the assembled service in memory)
	$(BIN)/pytest tests/unit tests/component tests/contract

asyncapi: $(ASYNCAPI_DEPS) ## validate schemas/asyncapi.yaml with the official AsyncAPI parser
	node $(ASYNCAPI_DIR)/validate.mjs schemas/asyncapi.yaml

kafka-up: setup ## start the local development broker (prints its address)
	$(LOCAL_BROKER) start --dir $(LOCAL_KAFKA_DIR) --port $(LOCAL_KAFKA_PORT)

kafka-down: ## stop the local development broker
	$(LOCAL_BROKER) stop --dir $(LOCAL_KAFKA_DIR)

schemas: $(BIN)/newswatch ## regenerate schemas/json (internal/: the service's own records) from the models
	$(BIN)/python -m newswatch_schemas.export
	$(BIN)/python -m newswatch.kafka.internal_schemas

dashboards: $(BIN)/newswatch ## regenerate deploy/grafana/dashboards (grafana-foundation-sdk)
	$(BIN)/python -m newswatch_devtools.grafana

clean: kafka-down demo-down ## remove the environment, the jars and local broker data
	rm -rf $(VENV) deploy/kafka/target .local
