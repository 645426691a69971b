package gcpsm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest/toxitest"
)

// TestToxiproxyFaults puts toxiproxy between the provider and the emulator's gRPC port and checks
// that each network fault ends within the deadline (plus a small margin) with ErrUnavailable
// naming the ref and no value. The provider is configured as the CLI would be (endpoint +
// plaintext), pointed at the proxy.
func TestToxiproxyFaults(t *testing.T) {
	testenv.Require(t, testenv.GCPSMGRPC, testenv.Toxiproxy)
	e := startEmulator(t)

	s := e.newSecret(t)
	value := canary(t, "toxic")
	e.addVersion(t, s, []byte(`{"password":"`+value+`"}`))
	ref := mustRef(t, "gcpsm://"+s+"#password")

	const margin = 500 * time.Millisecond
	tests := []struct {
		name     string
		toxic    func(t *testing.T, p *toxiproxy.Proxy)
		deadline time.Duration
		ok       bool          // the fetch succeeds
		minTime  time.Duration // it takes at least this long
	}{
		{name: "none", ok: true, deadline: 5 * time.Second},
		{name: "latency below deadline", deadline: 5 * time.Second, ok: true, minTime: 300 * time.Millisecond,
			toxic: addToxic("latency", "downstream", toxiproxy.Attributes{"latency": 300})},
		{name: "latency above deadline", deadline: 1500 * time.Millisecond,
			toxic: addToxic("latency", "downstream", toxiproxy.Attributes{"latency": 5000})},
		{name: "black hole", deadline: 1500 * time.Millisecond,
			toxic: addToxic("timeout", "upstream", toxiproxy.Attributes{"timeout": 0})},
		{name: "reset peer", deadline: 3 * time.Second,
			toxic: addToxic("reset_peer", "upstream", toxiproxy.Attributes{"timeout": 0})},
		{name: "truncated", deadline: 3 * time.Second,
			toxic: addToxic("limit_data", "downstream", toxiproxy.Attributes{"bytes": 20})},
		{name: "refused", deadline: 3 * time.Second,
			toxic: func(t *testing.T, p *toxiproxy.Proxy) {
				if err := p.Disable(); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := toxitest.Proxy(t, "gcpsm-"+strings.ReplaceAll(tt.name, " ", "-"), e.addr)
			listen := proxy.Listen
			if tt.toxic != nil {
				tt.toxic(t, proxy)
			}
			p := newTestProvider(t, Settings{Project: emuProject, Endpoint: listen, Plaintext: true})
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			start := time.Now()
			got, err := p.Fetch(ctx, []providers.Ref{ref})
			elapsed := time.Since(start)
			t.Logf("FAULT %-24s deadline %-6v elapsed %-8v err: %v", tt.name, tt.deadline, elapsed.Round(time.Millisecond), err)
			if tt.ok {
				if err != nil || got[0].Reveal() != value {
					t.Fatalf("err = %v", err)
				}
				if elapsed < tt.minTime {
					t.Fatalf("took %v, the toxic did not apply", elapsed)
				}
			} else {
				res := refErrors(err)
				if len(res) != 1 || res[0].Ref != ref || !errors.Is(err, providers.ErrUnavailable) {
					t.Fatalf("err = %v, want one RefError for %s wrapping ErrUnavailable", err, ref)
				}
				if got[0].Len() != 0 {
					t.Fatal("a failed ref has a value")
				}
			}
			noLeak(t, err, value)
			if elapsed > tt.deadline+margin {
				t.Fatalf("took %v, more than the deadline %v + %v", elapsed, tt.deadline, margin)
			}
		})
	}
}

func addToxic(typ, stream string, attrs toxiproxy.Attributes) func(t *testing.T, p *toxiproxy.Proxy) {
	return func(t *testing.T, p *toxiproxy.Proxy) { toxitest.Toxic(t, p, typ, stream, attrs) }
}

// TestLatencyBench resolves 100 gcpsm:// refs in one Fetch behind toxiproxy latency in front of
// the emulator and reports the wall time as a multiple of the injected latency. Sequential reads
// would cost 100 round trips; with MaxConcurrent = 32 the reads go in a few waves over one
// connection. Run with SECRETRUN_BENCH_GCPSM=1 (SECRETRUN_BENCH_LATENCY, default 20ms).
func TestLatencyBench(t *testing.T) {
	if os.Getenv("SECRETRUN_BENCH_GCPSM") != "1" {
		t.Skip("set SECRETRUN_BENCH_GCPSM=1 to run the latency benchmark")
	}
	testenv.Require(t, testenv.GCPSMGRPC, testenv.Toxiproxy)
	latency := 20 * time.Millisecond
	if v := os.Getenv("SECRETRUN_BENCH_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		latency = d
	}
	e := startEmulator(t)
	proxy := toxitest.Proxy(t, "gcpsm-bench", e.addr)
	toxitest.Toxic(t, proxy, "latency", "downstream", toxiproxy.Attributes{"latency": latency.Milliseconds()})
	var refs []providers.Ref
	for i := 0; i < 100; i++ {
		s := e.newSecret(t)
		e.addVersion(t, s, []byte(fmt.Sprintf(`{"a":"%d","b":"x"}`, i)))
		refs = append(refs, mustRef(t, "gcpsm://"+s+"#a"), mustRef(t, "gcpsm://"+s+"#b"))
	}
	for run := 0; run < 3; run++ {
		p := newTestProvider(t, Settings{Project: emuProject, Endpoint: proxy.Listen, Plaintext: true})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		got, err := p.Fetch(ctx, refs)
		elapsed := time.Since(start)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got[198].Reveal() != "99" {
			t.Fatal("wrong value")
		}
		t.Logf("BENCH gcpsm: 200 refs on 100 secrets behind %v latency: %v (%.1f× the latency; new connection included)",
			latency, elapsed.Round(time.Millisecond), float64(elapsed)/float64(latency))
	}
}
