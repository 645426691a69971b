package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func store(t *testing.T, name, method string) Store {
	t.Helper()
	for _, s := range Stores {
		if s.Name == name && strings.HasPrefix(s.Method, method) {
			return s
		}
	}
	t.Fatalf("no store %s %s", name, method)
	return Store{}
}

// The issue's fleet: 10,000 processes × 20 secrets every 5 minutes, worked out by hand.
func TestComputeIssueFleet(t *testing.T) {
	f := Fleet{Processes: 10000, Secrets: 20, Interval: 5 * time.Minute, Share: 0.1, PerHost: 10}
	tests := []struct {
		name, method string
		perCheck     int
		fleetRPS     float64 // 10,000 × perCheck / 300 s
		percent      float64 // NaN: no quota
		safe         time.Duration
		advice       string
	}{
		{"vault", "KV", 20, 666.67, math.NaN(), 0, "no published quota: compare 667/s"},
		// 33.3/s of 100/s; 10 % needs 10,000 × 1 / 10 = 1,000 s, rounded up to 20m
		{"awssm", "Batch", 1, 33.33, 33.33, 20 * time.Minute, "raise the interval to 20m, or put the AWS Secrets Manager Agent"},
		{"awssm", "GetSecretValue", 20, 666.67, 6.667, 5 * time.Minute, "safe at 5m: 6.67% of the quota"},
		// ⌈20/10⌉ = 2 GetParameters: 66.7/s of 40/s; 10 % needs 20,000 / 4 = 5,000 s, rounded
		// up to 2h: past an hour, higher throughput is the fix
		{"ssm", "GetParameters, ⌈N/10⌉ (standard", 2, 66.67, 166.67, 2 * time.Hour, "turn on Parameter Store's higher throughput"},
		// the same 66.7/s of 1,000/s
		{"ssm", "GetParameters, ⌈N/10⌉ (higher", 2, 66.67, 6.667, 5 * time.Minute, "safe at 5m: 6.67% of the quota"},
		// 1,500/s quota: 10 % needs 200,000 / 150 = 1,333 s, rounded up to 30m
		{"gcpsm", "Access", 20, 666.67, 44.44, 30 * time.Minute, "raise the interval to 30m"},
		// 10/s quota: 200,000 / 1 = 200,000 s = 55.6 h, rounded up to 56h
		{"gcpsm", "GetSecretVersion", 20, 666.67, 6666.7, 56 * time.Hour, "read with AccessSecretVersion instead"},
		// 400/s quota: 200,000 / 40 = 5,000 s, rounded up to 2h: past an hour, split the vaults
		{"azkv", "GET", 20, 666.67, 166.67, 2 * time.Hour, "spread the secrets over several vaults"},
	}
	for _, tt := range tests {
		r := Compute(f, store(t, tt.name, tt.method))
		if r.PerCheck != tt.perCheck || !near(r.FleetRPS, tt.fleetRPS) || !near(r.Percent, tt.percent) || r.SafeInterval != tt.safe {
			t.Errorf("%s %s: per check %d, %.2f/s, %.2f%%, safe %v; want %d, %.2f/s, %.2f%%, %v",
				tt.name, tt.method, r.PerCheck, r.FleetRPS, r.Percent, r.SafeInterval, tt.perCheck, tt.fleetRPS, tt.percent, tt.safe)
		}
		if !strings.HasPrefix(r.Advice, tt.advice) {
			t.Errorf("%s %s: advice %q, want it to start with %q", tt.name, tt.method, r.Advice, tt.advice)
		}
	}
}

func TestComputeDetails(t *testing.T) {
	base := Fleet{Processes: 100, Secrets: 21, Interval: time.Minute, Share: 0.1}
	// ⌈21/20⌉ = 2 batch calls
	if r := Compute(base, store(t, "awssm", "Batch")); r.PerCheck != 2 || !near(r.PerProcessPerMin, 2) {
		t.Errorf("21 secrets: %d batch calls, %.2f/min; want 2, 2", r.PerCheck, r.PerProcessPerMin)
	}
	// ⌈21/10⌉ = 3 GetParameters calls
	if r := Compute(base, store(t, "ssm", "GetParameters, ⌈N/10⌉ (standard")); r.PerCheck != 3 || !near(r.PerProcessPerMin, 3) {
		t.Errorf("ssm, 21 secrets: %d GetParameters calls, %.2f/min; want 3, 3", r.PerCheck, r.PerProcessPerMin)
	}
	// Vault: one read per distinct path, not per secret
	withPaths := base
	withPaths.Paths = 3
	if r := Compute(withPaths, store(t, "vault", "KV")); r.PerCheck != 3 || !near(r.FleetRPS, 5) {
		t.Errorf("3 paths: %d reads, %.2f/s; want 3, 5", r.PerCheck, r.FleetRPS)
	}
	// -vault-rps gives Vault a quota to compare with: 5/s of 20/s is 25 %; 10 % of it needs
	// 100 × 3 / 2 = 150 s, rounded up to 5m
	withPaths.VaultRPS = 20
	if r := Compute(withPaths, store(t, "vault", "KV")); !near(r.Percent, 25) || r.SafeInterval != 5*time.Minute {
		t.Errorf("vault with -vault-rps 20: %.2f%%, safe %v; want 25%%, 5m", r.Percent, r.SafeInterval)
	}
	// one agent per 10-process host divides the load by 10
	agents := base
	agents.PerHost = 10
	if r := Compute(agents, store(t, "awssm", "GetSecretValue")); !near(r.AgentRPS, r.FleetRPS/10) || !near(r.AgentPercent, r.Percent/10) {
		t.Errorf("agent: %.3f/s (%.3f%%), want a tenth of %.3f/s (%.3f%%)", r.AgentRPS, r.AgentPercent, r.FleetRPS, r.Percent)
	}
	// no agent exists for Azure Key Vault, nor for Parameter Store (the Secrets Manager Agent
	// serves no parameters): no agent figure
	for _, s := range []Store{store(t, "azkv", "GET"), store(t, "ssm", "GetParameters")} {
		if r := Compute(agents, s); r.AgentRPS != 0 || strings.Contains(r.Advice, "agent per host") {
			t.Errorf("%s has an agent figure: %.3f/s, %q", s.Name, r.AgentRPS, r.Advice)
		}
	}
}

func TestRoundUp(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		time.Millisecond:               time.Second,
		3 * time.Minute:                5 * time.Minute,
		5 * time.Minute:                5 * time.Minute,
		1000 * time.Second:             20 * time.Minute,
		61 * time.Minute:               2 * time.Hour,
		200000 * time.Second:           56 * time.Hour,
		24*time.Hour + time.Nanosecond: 25 * time.Hour,
	} {
		if got := roundUp(in); got != want {
			t.Errorf("roundUp(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-processes", "10000", "-secrets", "20", "-interval", "5m"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"10000 processes × 20 secrets (20 Vault paths), checked every 5m; target: at most 10% of each quota",
		"awssm  BatchGetSecretValue, ⌈N/20⌉ per check   1          0.2              33.3         100/s per account per Region",
		"azkv (GET secret per secret): spread the secrets over several vaults",
		"https://learn.microsoft.com/en-us/azure/key-vault/general/service-limits",
		"ssm    GetParameters, ⌈N/10⌉ (standard)        2          0.4              66.7         40/s per account per Region, default",
		"https://docs.aws.amazon.com/general/latest/gr/ssm.html",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run([]string{"-format", "markdown", "-secrets", "1", "-processes", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| awssm | GetSecretValue per secret | 1 | 0.2 | 0.00333 |") {
		t.Errorf("markdown output:\n%s", out.String())
	}
	for _, args := range [][]string{
		{"-processes", "0"}, {"-secrets", "5", "-paths", "6"}, {"-interval", "0s"}, {"-share", "0"},
		{"-format", "html"}, {"extra"}, {"-vault-rps", "-1"},
	} {
		if err := run(args, &out); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 0.01*math.Abs(want)
}
