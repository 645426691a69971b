package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// maxAdvisedInterval is the longest interval the calculator advises on its own: beyond it a
// rotated secret reaches the program too late for most rotation schedules, and an agent or a
// split store is the better fix.
const maxAdvisedInterval = time.Hour

// Row is the load of a fleet on one store.
type Row struct {
	Store Store
	// PerCheck is the requests of one check of one process.
	PerCheck int
	// PerProcessPerMin is one process's request rate, per minute.
	PerProcessPerMin float64
	// FleetRPS is the whole fleet's request rate, per second, averaged over the interval.
	FleetRPS float64
	// Quota is the limit compared against (the published one, or -vault-rps); 0 for none.
	Quota float64
	// Percent is FleetRPS as a percentage of Quota; NaN without a quota.
	Percent float64
	// SafeInterval is the shortest interval, rounded up to a round value, at which the fleet
	// stays within Share of the quota; 0 without a quota.
	SafeInterval time.Duration
	// AgentRPS and AgentPercent are the load with one caching agent per host reading for
	// PerHost processes (its cache TTL the interval); 0 and NaN when not computed.
	AgentRPS, AgentPercent float64
	// Advice is the recommendation.
	Advice string
}

// Compute returns the load of f on s.
func Compute(f Fleet, s Store) Row {
	r := Row{Store: s, PerCheck: s.PerCheck(f), Quota: s.Quota, Percent: math.NaN(), AgentPercent: math.NaN()}
	if s.Name == "vault" && f.VaultRPS > 0 {
		r.Quota = f.VaultRPS
	}
	sec := f.Interval.Seconds()
	r.PerProcessPerMin = float64(r.PerCheck) * 60 / sec
	r.FleetRPS = float64(f.Processes) * float64(r.PerCheck) / sec
	if s.Agent && f.PerHost > 0 {
		hosts := ceilDiv(f.Processes, f.PerHost)
		r.AgentRPS = float64(hosts) * float64(r.PerCheck) / sec
	}
	if r.Quota > 0 {
		r.Percent = 100 * r.FleetRPS / r.Quota
		if r.AgentRPS > 0 {
			r.AgentPercent = 100 * r.AgentRPS / r.Quota
		}
		exact := float64(f.Processes) * float64(r.PerCheck) / (f.Share * r.Quota)
		r.SafeInterval = roundUp(time.Duration(exact * float64(time.Second)))
	}
	r.Advice = advice(f, r)
	return r
}

// advice says what to do about r.
func advice(f Fleet, r Row) string {
	agent := ""
	if r.AgentRPS > 0 {
		agent = fmt.Sprintf(" (with an agent per host of %d processes: %s/s", f.PerHost, num(r.AgentRPS))
		if !math.IsNaN(r.AgentPercent) {
			agent += fmt.Sprintf(", %s%% of the quota", num(r.AgentPercent))
		}
		agent += ")"
	}
	switch {
	case r.Quota == 0:
		return fmt.Sprintf("no published quota: compare %s/s with the rate the operator allows (-vault-rps) and the cluster's capacity (each read is also an audit record); with several processes per host, %s%s",
			num(r.FleetRPS), r.Store.Advice, agent)
	case r.Percent <= 100*f.Share:
		return fmt.Sprintf("safe at %s: %s%% of the quota (target at most %g%%)", fmtDuration(f.Interval), num(r.Percent), 100*f.Share)
	case r.SafeInterval <= maxAdvisedInterval:
		return fmt.Sprintf("raise the interval to %s, or %s%s", fmtDuration(r.SafeInterval), r.Store.Advice, agent)
	}
	return fmt.Sprintf("%s%s; the interval alone would have to be %s", r.Store.Advice, agent, fmtDuration(r.SafeInterval))
}

// roundSteps are the intervals the calculator proposes.
var roundSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 20 * time.Minute, 30 * time.Minute, 45 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// roundUp returns the smallest round step at least d; beyond a day, d rounded up to the hour.
func roundUp(d time.Duration) time.Duration {
	for _, s := range roundSteps {
		if d <= s {
			return s
		}
	}
	return (d + time.Hour - 1).Truncate(time.Hour)
}

// num formats a rate or percentage with three significant digits at most ("667", "33.3", "0.667").
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

// fmtDuration writes d without zero units: "20m", "2h", "1h30m", "45s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
