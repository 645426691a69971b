package watch

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// A store with versions is asked for versions at each check (one request for all its refs), and
// only the refs whose version moved are fetched; a new version with the same value (another
// key of the document changed) is no change.
func TestVersionsThenFetchOnlyWhatMoved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		kv := versioned{newStore(ev, map[string]string{"a": "a1", "b": "b1", "c": "c1"})}
		for _, p := range []string{"a", "b", "c"} {
			kv.set(p, p+"1", true)
		}
		items := []Item{item(t, "A", "vault://a", kv), item(t, "B", "vault://b", kv), item(t, "C", "vault://c", kv)}
		r := startRun(t, ev, items, Options{Interval: time.Minute}, Config{Debounce: time.Second})

		kv.set("b", "b2", true)
		kv.set("c", "c1", true) // same value, new version
		r.after(2 * time.Minute)

		r.want("versions|fetch|start", "0s start A=a1 B=b1 C=c1",
			"1m0s versions a,b,c", "1m0s fetch b,c", "1m1s start A=a1 B=b2 C=c1",
			"2m0s versions a,b,c")
		r.end()
	})
}

// A store without versions is fetched at each check and compared by value.
func TestNoVersionsComparesValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		env := newStore(ev, map[string]string{"X": "x1"})
		r := startRun(t, ev, []Item{item(t, "X", "env://X", env)}, Options{Interval: time.Minute}, Config{Debounce: time.Second})
		r.after(90 * time.Second)
		env.set("X", "x2", false)
		r.after(time.Minute)
		r.want("fetch|start", "0s start X=x1", "1m0s fetch X", "2m0s fetch X", "2m1s start X=x2")
		r.end()
	})
}

// When files cannot be watched, they are polled at the interval instead, with a warning.
func TestFilesThatCannotBeWatchedArePolled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"f": "1"}), refuse: errors.New("too many open files")}
		r := startRun(t, ev, []Item{item(t, "F", "file://f", fs)}, Options{Interval: time.Minute}, Config{Debounce: time.Second})
		fs.set("f", "2", false)
		r.after(2 * time.Minute)
		r.want("warn:|start", "0s start F=1",
			"0s warn: watch: cannot follow the changes of F (file://f); checking every 1m0s instead: too many open files",
			"1m1s start F=2")
		r.end()
	})
}

// Pinned references and leases that cannot be replaced are not watched at all.
func TestNotWatched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		kv := versioned{newStore(ev, map[string]string{"app": "1"})}
		renewed := newStore(ev, map[string]string{"database/creds/ro": "cred"}) // no Expirer
		leased := item(t, "RO", "vault://database/creds/ro", renewed)
		leased.Secret.Leased = true
		r := startRun(t, ev, []Item{item(t, "APP", "vault://app?version=1", kv), leased}, Options{Interval: time.Minute}, Config{})
		r.after(time.Hour)
		r.want("versions|fetch") // nothing
		r.end()
	})
}

// Checks of a fleet are spread over Interval ± Jitter.
func TestJitterSpreadsChecks(t *testing.T) {
	for _, tc := range []struct {
		rand float64
		want string
	}{
		{0, "4m30s fetch X"},
		{0.5, "5m0s fetch X"},
		{0.999999, "5m29.99994s fetch X"},
	} {
		synctest.Test(t, func(t *testing.T) {
			ev := newEvents()
			env := newStore(ev, map[string]string{"X": "x1"})
			r := startRun(t, ev, []Item{item(t, "X", "env://X", env)},
				Options{Interval: 5 * time.Minute, Jitter: 0.1, Rand: func() float64 { return tc.rand }}, Config{})
			r.after(6 * time.Minute)
			r.want("fetch", tc.want)
			r.end()
		})
	}
}

func TestRenewAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		life, margin time.Duration
	}{
		{24 * time.Hour, 10 * time.Minute}, // a third, at most 10 min
		{time.Hour, 10 * time.Minute},
		{15 * time.Minute, 5 * time.Minute}, // a third
		{60 * time.Second, 20 * time.Second},
		{24 * time.Second, 10 * time.Second}, // at least 10 s
		{12 * time.Second, 6 * time.Second},  // but never before halfway
		{0, 0},
	} {
		got := now.Add(tc.life).Sub(renewAt(now, now.Add(tc.life)))
		if got != tc.margin {
			t.Errorf("life %s: replaced %s before expiry, want %s", tc.life, got, tc.margin)
		}
	}
}

func TestPlan(t *testing.T) {
	ev := newEvents()
	kv := versioned{newStore(ev, map[string]string{"app": "1"})}
	kv.set("app", "1", true)
	sm := newStore(ev, map[string]string{"db": "1"})
	sm.set("db", "1", true)
	env := newStore(ev, map[string]string{"X": "1", "database/creds/ro": "cred"})
	fs := &files{store: newStore(ev, map[string]string{"f": "1"})}
	db := &leases{ev: ev, ttl: time.Hour}
	renewed := item(t, "RO", "vault://database/creds/ro", env)
	renewed.Secret.Leased = true
	items := []Item{
		item(t, "APP", "vault://app", kv), item(t, "OLD", "vault://app?version=1", kv),
		item(t, "DB", "awssm://db", sm), item(t, "X", "env://X", env), item(t, "F", "file://f", fs),
		item(t, "PG", "vault://database/creds/app", db), renewed,
	}
	want := []string{
		"APP poll: versions every 5m ±10%",
		"OLD : not watched: cannot change",
		"DB poll: version compared every 5m ±10%",
		"X poll: value compared every 5m ±10%",
		"F events: file events",
		"PG lease: lease replaced before it expires",
		"RO : not watched: a lease its provider renews",
	}
	got := Plan(items, Options{Interval: 5 * time.Minute, Jitter: 0.1})
	for i, e := range got {
		if s := e.Name + " " + e.Mode + ": " + e.How; i >= len(want) || s != want[i] {
			t.Errorf("plan[%d] = %q", i, s)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d entries, want %d", len(got), len(want))
	}
}
