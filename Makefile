# hotspots: make help lists the targets.
GO       ?= go
DATA_DIR ?= .hotspots-data
ADDR     ?= 127.0.0.1:8080

.PHONY: help run test bench bench-scale lint deps-check fuzz reliability mutate

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## serve the map on http://$(ADDR)/ (the bundled Stockton sample on first start)
	$(GO) run ./cmd/hotspotd serve --data-dir $(DATA_DIR) --addr $(ADDR)

test: lint deps-check ## lint, import rules, and every test
	$(GO) test -count=1 -timeout 30m $(TESTFLAGS) ./...

bench: ## the speed figures: Go benchmarks of every hot path, then the tile load test
	$(GO) test -run '^$$' -bench . -skip 'BenchmarkTileLoad' -benchmem -benchtime 20x -count 1 ./...
	$(GO) test ./web -run '^$$' -bench BenchmarkTileLoad -benchtime 1x -count 3

bench-scale: ## the national-scale figures on a SYNTHETIC set of SCALE_COPIES (75) copies of Cleveland (20 million incidents) and SCALE_AREA_COPIES (104) of its wards (8,528 areas); about 2 minutes
	SCALE_AREA_COPIES=$${SCALE_AREA_COPIES:-104} $(GO) test -tags scale -run '^TestScale$$' -count 1 -timeout 60m -v ./cmd/scalegen 2>&1 | grep -v '^=== \|^--- '

lint: ## gofmt prints nothing, go vet is clean
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

deps-check: ## the import rules of README "Architecture"
	$(GO) run ./cmd/depscheck

reliability: ## the long checks (kill -9 during imports, 64 clients of heavy queries, bombs, a full disk; several minutes), as a table
	@$(GO) test -tags reliability -run '^TestReliability$$' -count 1 -timeout 30m -v ./cmd/hotspotd > .reliability.log 2>&1; \
	rc=$$?; grep -v '^=== \|^--- \|^    --- ' .reliability.log; exit $$rc

GREMLINS ?= github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE   ?= hotspot geo engine data tiles

# Each mutant is a fresh build of the package and its tests, so:
# - -short shrinks the few long property tests (geo's 200,000 random points
#   become 20,000 and its million-vertex ring 50,000 vertices), never
#   skipping what no other test covers;
# - -count=1 makes gremlins time a real run (a cached one takes 0.2 s and every
#   mutant would "time out"); -vet=off and -ldflags=-w save a third of each build;
# - the timeout is MUTATE_TIMEOUT times that first run, generous because a
#   mutant's build costs more than the cached first run on a shared machine.
MUTATE_TIMEOUT ?= 30
mutate: ## mutation testing of $(MUTATE) with gremlins (slow: not in make test); each package's test efficacy
	@for p in $(MUTATE); do \
	  echo "== $$p"; \
	  GOFLAGS="-count=1 -short -vet=off -ldflags=-w" $(GO) run $(GREMLINS) unleash ./$$p --workers 1 \
	    --timeout-coefficient $(MUTATE_TIMEOUT) -S lt 2>&1 | grep -v '^Starting\|^Gathering' ; \
	done

fuzz: ## run each fuzz test for a while (FUZZTIME, default 20s each)
	$(GO) test ./data -run '^$$' -fuzz '^FuzzReadIncidents$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./data -run '^$$' -fuzz '^FuzzSplitter$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./geo -run '^$$' -fuzz '^FuzzReadAreas$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./hotspot -run '^$$' -fuzz '^FuzzParseWeights$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./hotspot -run '^$$' -fuzz '^FuzzParsePriorities$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./web -run '^$$' -fuzz '^FuzzOGCBBox$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./web -run '^$$' -fuzz '^FuzzOGCDatetime$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./web -run '^$$' -fuzz '^FuzzOGCLimit$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./web -run '^$$' -fuzz '^FuzzTileRequest$$' -fuzztime $${FUZZTIME:-20s}
	$(GO) test ./tiles -run '^$$' -fuzz '^FuzzParseTile$$' -fuzztime $${FUZZTIME:-20s}
