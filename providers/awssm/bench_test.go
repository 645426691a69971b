package awssm

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"github.com/secretrun/secretrun/providers"
)

// TestLatencyBench resolves 100 AWS refs in one Fetch behind toxiproxy latency and reports the
// wall time as a multiple of the injected round trip. Sequential single reads would be 100
// round trips; batching (5 BatchGetSecretValue calls, concurrent) should be about 1. It runs only
// with SECRETRUN_BENCH_AWSSM=1 (scripts/bench-awssm-latency.sh), and fails above
// SECRETRUN_BENCH_MAX_MULTIPLE (default 3).
func TestLatencyBench(t *testing.T) {
	if os.Getenv("SECRETRUN_BENCH_AWSSM") != "1" {
		t.Skip("set SECRETRUN_BENCH_AWSSM=1 (scripts/bench-awssm-latency.sh)")
	}
	const n = 100
	latency := 20 * time.Millisecond
	if v := os.Getenv("SECRETRUN_BENCH_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		latency = d
	}
	maxMultiple := 3.0
	if v := os.Getenv("SECRETRUN_BENCH_MAX_MULTIPLE"); v != "" {
		if _, err := fmt.Sscan(v, &maxMultiple); err != nil {
			t.Fatal(err)
		}
	}
	proxy, endpoint := faultProxy(t)
	adm := admin(endpoint)
	base := uniq(t)
	refs := make([]providers.Ref, n)
	for i := range n {
		c := putString(t, adm, fmt.Sprintf("%s/s%03d", base, i), fmt.Sprintf(`{"user":"u%d","password":"p%d"}`, i, i))
		refs[i] = ref(t, "awssm://"+c.Name+"#password")
	}
	if _, err := proxy.AddToxic("latency", "latency", "downstream", 1, toxiproxy.Attributes{"latency": latency.Milliseconds()}); err != nil {
		t.Fatal(err)
	}
	cnt := newCounter(t, "http://"+proxy.Listen)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)

	// One single read through the same path: the round trip as this machine sees it (injected
	// latency plus moto's own time).
	one := newProvider(t)
	start := time.Now()
	if _, err := one.Fetch(fetchCtx(t, 10*time.Second), refs[:1:1]); err != nil {
		t.Fatal(err)
	}
	single := time.Since(start)

	var walls []time.Duration
	for range 5 {
		cnt.Reset()
		p := newProvider(t) // fresh: SDK config loading is part of every real run
		start := time.Now()
		got, err := p.Fetch(fetchCtx(t, 30*time.Second), refs)
		wall := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range got {
			if s.Reveal() != fmt.Sprintf("p%d", i) {
				t.Fatalf("ref %d: wrong value", i)
			}
		}
		if c := cnt.Actions(); c["BatchGetSecretValue"] != 5 || c["GetSecretValue"] != 0 {
			t.Fatalf("requests = %v, want 5 BatchGetSecretValue", c)
		}
		walls = append(walls, wall)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	median := walls[len(walls)/2]
	multiple := float64(median) / float64(latency)
	t.Logf("awssm latency bench: %d refs, %v injected latency per round trip (toxiproxy, downstream)", n, latency)
	t.Logf("  one Fetch of %d refs: median %v over %d runs (min %v, max %v), 5 BatchGetSecretValue calls", n, median.Round(time.Millisecond), len(walls), walls[0].Round(time.Millisecond), walls[len(walls)-1].Round(time.Millisecond))
	t.Logf("  = %.2f x the injected round trip (sequential single reads: %d x)", multiple, n)
	t.Logf("  one single GetSecretValue through the same path: %v (= %.2f x injected)", single.Round(time.Millisecond), float64(single)/float64(latency))
	fmt.Printf("BENCH awssm refs=%d latency=%v median=%v multiple=%.2f single=%v\n", n, latency, median.Round(time.Millisecond), multiple, single.Round(time.Millisecond))
	if multiple > maxMultiple {
		t.Errorf("wall time is %.2f x the injected round trip, want <= %.1f", multiple, maxMultiple)
	}
}
