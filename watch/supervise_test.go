package watch

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

// Kubernetes rewrites the three keys of a mounted secret one after the other: one restart,
// Debounce after the first change, with all three new values; each new value is masked as soon
// as it is read, before the restart.
func TestThreeRotatedSecretsMakeOneRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"a": "old-a", "b": "old-b", "c": "old-c"})}
		items := []Item{item(t, "A", "file://a", fs), item(t, "B", "file://b", fs), item(t, "C", "file://c", fs)}
		r := startRun(t, ev, items, Options{}, Config{Debounce: 5 * time.Second, MinInterval: time.Minute})

		r.after(10 * time.Second)
		fs.rewrite("a", "new-a")
		r.after(time.Second)
		fs.rewrite("b", "new-b")
		r.after(time.Second)
		fs.rewrite("c", "new-c")
		r.after(time.Minute)

		r.want("mask", "10.1s mask A", "11.1s mask B", "12.1s mask C")
		r.want("start|stop", "0s start A=old-a B=old-b C=old-c", "15.1s stop", "15.1s start A=new-a B=new-b C=new-c")
		r.end()
	})
}

// Two stores rotated together are seen at the same check: one restart.
func TestRotationsInTwoStoresMakeOneRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		kv := versioned{newStore(ev, map[string]string{"app": "old-kv"})}
		kv.set("app", "old-kv", true)
		sm := newStore(ev, map[string]string{"db": "old-sm"})
		items := []Item{item(t, "KV", "vault://app", kv), item(t, "SM", "awssm://db", sm)}
		r := startRun(t, ev, items, Options{Interval: time.Minute}, Config{Debounce: 5 * time.Second, MinInterval: time.Minute})

		kv.set("app", "new-kv", true)
		sm.set("db", "new-sm", false)
		r.after(2 * time.Minute)

		r.want("start|stop", "0s start KV=old-kv SM=old-sm", "1m5s stop", "1m5s start KV=new-kv SM=new-sm")
		r.end()
	})
}

// A secret that changes every 100 ms restarts the child no more often than MinInterval: the
// first restart comes Debounce after the first change, the next ones MinInterval apart.
func TestChurnRestartsAtMinInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"token": "v0"})}
		items := []Item{item(t, "TOKEN", "file://token", fs)}
		r := startRun(t, ev, items, Options{}, Config{Debounce: 5 * time.Second, MinInterval: time.Minute})

		for i := 1; i <= 10*60*3; i++ { // three minutes
			fs.rewrite("token", fmt.Sprintf("v%d", i))
			r.after(100 * time.Millisecond)
		}
		r.want("stop", "5.1s stop", "1m5.1s stop", "2m5.1s stop")
		r.end()
	})
}

// A restart starts the new child only after the old one stopped, and only then retires the old
// lease; the masks covered the new value before the old child was stopped.
func TestLeaseReplacedBeforeExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		db := &leases{ev: ev, ttl: time.Hour}
		items := []Item{item(t, "PGPASSWORD", "vault://database/creds/app", db)}
		r := startRun(t, ev, items, Options{}, Config{Debounce: 5 * time.Second, MinInterval: time.Minute})

		r.after(2 * time.Hour)
		// max TTL 1h: replaced 10 min (the cap) before expiry; the second one likewise.
		r.want("", "0s start PGPASSWORD=cred-1",
			"50m0s lease database/creds/app cred-2", "50m0s mask PGPASSWORD",
			"50m5s stop", "50m5s start PGPASSWORD=cred-2", "50m5s retire database/creds/app",
			"1h40m0s lease database/creds/app cred-3", "1h40m0s mask PGPASSWORD",
			"1h40m5s stop", "1h40m5s start PGPASSWORD=cred-3", "1h40m5s retire database/creds/app")
		r.end()
		if want := []string{"restart PGPASSWORD stopped 143", "restart PGPASSWORD stopped 143"}; !slices.Equal(r.acted, want) {
			t.Errorf("acted %q, want %q", r.acted, want)
		}
	})
}

// The username and password of one database credential are replaced together, by one read,
// so that they stay a pair; one restart, one retirement.
func TestLeaseKeysReplacedTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		db := &leases{ev: ev, ttl: time.Hour}
		user, pass := ref(t, "vault://database/creds/app#user"), ref(t, "vault://database/creds/app#pass")
		secrets, _ := db.Fetch(t.Context(), []providers.Ref{user, pass})
		items := []Item{{Name: "PGUSER", Ref: user, Provider: db, Secret: secrets[0]}, {Name: "PGPASSWORD", Ref: pass, Provider: db, Secret: secrets[1]}}
		r := startRun(t, ev, items, Options{}, Config{Debounce: 5 * time.Second, MinInterval: time.Minute})
		r.after(time.Hour)
		r.want("", "0s start PGUSER=user-1 PGPASSWORD=pass-1",
			"50m0s lease database/creds/app cred-2", "50m0s mask PGUSER,PGPASSWORD",
			"50m5s stop", "50m5s start PGUSER=user-2 PGPASSWORD=pass-2", "50m5s retire database/creds/app,database/creds/app")
		r.end()
	})
}

// signal:HUP rewrites the file secrets, then signals; a changed environment variable is warned
// about, by name, since the running child cannot see it.
func TestSignalActionRewritesFilesThenSignals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"tls.key": "old-key-canary", "token": "old-token-canary"})}
		key := item(t, "TLS_KEY", "file://tls.key", fs)
		key.File = true
		items := []Item{key, item(t, "TOKEN", "file://token", fs)}
		hup := Action{Kind: Signal, Signal: syscall.SIGHUP, SignalName: "HUP"}
		r := startRun(t, ev, items, Options{}, Config{Action: hup, Debounce: time.Second, MinInterval: time.Minute})

		fs.rewrite("tls.key", "new-key-canary")
		fs.rewrite("token", "new-token-canary")
		r.after(time.Minute)

		r.want("", "0s start TLS_KEY=old-key-canary TOKEN=old-token-canary",
			"100ms fetch tls.key,token", "100ms mask TLS_KEY,TOKEN",
			"1.1s warn: watch: TOKEN changed, but the command reads it from its environment, which a signal cannot update (on_change: restart would)",
			"1.1s rewrite TLS_KEY,TOKEN", "1.1s signal hangup")
		r.noValues("old-key-canary", "new-key-canary", "old-token-canary", "new-token-canary")
		r.end()
	})
}

// exit stops the child and ends the run with the chosen status.
func TestExitAction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Action: Action{Kind: Exit}, ExitCode: 75, Debounce: time.Second})

		fs.rewrite("token", "v2")
		r.after(2 * time.Second)

		got := r.ended()
		if got.exit.Status != 75 || got.err != nil {
			t.Errorf("exit action: status %d, %v; want 75, nil", got.exit.Status, got.err)
		}
		r.want("start|stop", "0s start TOKEN=v1", "1.1s stop")
	})
}

// A SIGTERM that arrives while the child is being restarted stops everything: no new child
// starts (Start refuses) and the run ends with the stopped child's status.
func TestTerminatedDuringRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Debounce: time.Second})
		r.child.startErr = fmt.Errorf("start: %w", inject.ErrStopping)

		fs.rewrite("token", "v2")
		r.after(2 * time.Second)

		got := r.ended()
		if got.exit.Status != 143 || got.err != nil {
			t.Errorf("terminated during a restart: status %d, %v; want 143 (the stopped child's), nil", got.exit.Status, got.err)
		}
		r.want("start|stop", "0s start TOKEN=v1", "1.1s stop", "1.1s start refused: start: secretrun is stopping")
		if want := []string{"restart TOKEN stopped 143"}; !slices.Equal(r.acted, want) {
			t.Errorf("acted %q, want %q", r.acted, want)
		}
	})
}

// After a SIGTERM to secretrun, a change is no longer acted on: the run waits for the child,
// which got the signal too, and ends with its status.
func TestNoActionAfterSIGTERM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Debounce: time.Second})
		r.child.mu.Lock()
		r.child.running = false // the child takes its time to exit on SIGTERM
		r.child.mu.Unlock()
		close(r.child.stopping)
		fs.rewrite("token", "v2")
		r.after(time.Minute)
		r.child.exited <- inject.Exit{Status: 143}
		if got := r.ended(); got.exit.Status != 143 {
			t.Errorf("status %d, want the child's 143", got.exit.Status)
		}
		r.want("start|stop", "0s start TOKEN=v1")
	})
}

// The child exiting by itself ends the run with its status; so does cancelling the run.
func TestChildExitEndsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"token": "v1"})}
		r := startRun(t, ev, []Item{item(t, "TOKEN", "file://token", fs)}, Options{}, Config{})
		r.after(time.Hour)
		r.child.exit(3)
		if got := r.ended(); got.exit.Status != 3 {
			t.Errorf("child exited with 3; the run ended with %d", got.exit.Status)
		}

		r = startRun(t, ev, []Item{item(t, "TOKEN", "file://token", fs)}, Options{}, Config{})
		if got := r.end(); got.exit.Status != 143 {
			t.Errorf("cancelled run: %d, want the stopped child's 143", got.exit.Status)
		}
	})
}

// A restarted child that fails at once is started again after a backoff (1 s, 2 s, 4 s) with
// the latest values, up to Retries times; then the run ends with its status.
func TestRestartedChildFailingAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Debounce: time.Second, MinInterval: time.Minute, Settle: 10 * time.Second, Retries: 3})

		fs.rewrite("token", "v2")
		r.after(2 * time.Second) // restarted at 1.1s
		for _, d := range []time.Duration{5, 5, 5, 0} {
			r.child.exit(1)
			r.after(d * time.Second)
		}
		got := r.ended()
		if got.exit.Status != 1 {
			t.Errorf("gave up with status %d, want the failing child's 1", got.exit.Status)
		}
		r.want("", "0s start TOKEN=v1", "100ms fetch token", "100ms mask TOKEN", "1.1s stop", "1.1s start TOKEN=v2",
			"2s exit 1",
			"2s warn: watch: the restarted command exited with status 1 after 900ms; starting it again in 1s with the latest values (1 of 3)",
			"3s start TOKEN=v2",
			"7s exit 1",
			"7s warn: watch: the restarted command exited with status 1 after 4s; starting it again in 2s with the latest values (2 of 3)",
			"9s start TOKEN=v2",
			"12s exit 1",
			"12s warn: watch: the restarted command exited with status 1 after 3s; starting it again in 4s with the latest values (3 of 3)",
			"16s start TOKEN=v2",
			"17s exit 1",
			"17s warn: watch: the restarted command failed at once 4 times in a row (status 1); giving up")
	})
}

// A restarted child stopped by a user or its terminal soon after its start (Ctrl-C or Ctrl-\\
// typed into its pseudo-terminal, which secretrun itself never receives; a hangup; a kill) did
// not fail: the run ends with its status, as without watching, and it is not started again.
func TestInterruptedRestartedChildEndsTheRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		exit inject.Exit
	}{
		{"died of SIGINT", inject.Exit{Status: 130, Signal: syscall.SIGINT}},
		{"caught SIGINT and exited 130", inject.Exit{Status: 130}},
		{"died of SIGQUIT", inject.Exit{Status: 131, Signal: syscall.SIGQUIT}},
		{"died of SIGTERM", inject.Exit{Status: 143, Signal: syscall.SIGTERM}},
		{"died of SIGHUP", inject.Exit{Status: 129, Signal: syscall.SIGHUP}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, fs := startToken(t, Options{}, Config{Debounce: time.Second, MinInterval: time.Minute, Settle: 10 * time.Second, Retries: 3})
				fs.rewrite("token", "v2")
				r.after(2 * time.Second) // restarted at 1.1s
				r.child.end(tc.exit)
				if got := r.ended(); got.exit != tc.exit || got.err != nil {
					t.Errorf("the run ended with %+v, %v; want the child's %+v", got.exit, got.err, tc.exit)
				}
				r.want("start|warn:", "0s start TOKEN=v1", "1.1s start TOKEN=v2")
			})
		})
	}
}

// A child being stopped for a restart that dies of SIGINT or SIGQUIT instead of the stop signal
// was interrupted by the user (Ctrl-C typed into its pseudo-terminal while it took its time to
// stop): no new child starts, and the run ends with its status.
func TestInterruptedDuringRestartStartsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Debounce: time.Second})
		interrupted := inject.Exit{Status: 130, Signal: syscall.SIGINT}
		r.child.stopExit = &interrupted
		fs.rewrite("token", "v2")
		r.after(2 * time.Second)
		if got := r.ended(); got.exit != interrupted || got.err != nil {
			t.Errorf("the run ended with %+v, %v; want the interrupted child's %+v", got.exit, got.err, interrupted)
		}
		r.want("start|stop", "0s start TOKEN=v1", "1.1s stop")
	})
}

// A store that fails (or hangs) is reported once, retried with backoff (a tenth of the
// interval, doubling, at most the interval), and reported again when it works; the child is
// never touched.
func TestFailingCheckWarnsOnlyAndBacksOff(t *testing.T) {
	for _, slow := range []bool{false, true} {
		t.Run(fmt.Sprintf("slow=%v", slow), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ev := newEvents()
				sm := newStore(ev, map[string]string{"db": "v1"})
				r := startRun(t, ev, []Item{item(t, "DB", "awssm://db", sm)}, Options{Interval: 100 * time.Second, Timeout: 5 * time.Second}, Config{})
				sm.fail(fmt.Errorf("%w: connection refused", providers.ErrUnavailable), slow)
				r.after(10 * time.Minute)
				sm.fail(nil, false)
				r.after(3 * time.Minute)

				r.want("start|stop", "0s start DB=v1")
				r.want("warn:", fmt.Sprintf("%s warn: watch: checking DB (awssm://db) failed; the command runs on with the values it has, and the check is retried: unavailable: %s",
					map[bool]string{false: "1m40s", true: "1m45s"}[slow],
					map[bool]string{false: "connection refused", true: "context deadline exceeded"}[slow]),
					map[bool]string{false: "10m50s", true: "11m30s"}[slow]+" warn: watch: checking DB (awssm://db) works again")
				if !slow {
					r.want("fetch", "1m40s fetch db", "1m50s fetch db", "2m10s fetch db", "2m50s fetch db",
						"4m10s fetch db", "5m50s fetch db", "7m30s fetch db", "9m10s fetch db", "10m50s fetch db",
						"12m30s fetch db")
				}
				r.end()
			})
		})
	}
}

// A secret deleted from its store keeps its last value (reported once); when it comes back
// with a new value, the child restarts with it.
func TestDisappearingSecretKeepsItsLastValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, kv := startApp(t)

		kv.remove("app")
		r.after(5 * time.Minute)
		kv.set("app", "v2-canary", true)
		r.after(2 * time.Minute)

		r.want("warn:",
			"1m0s warn: watch: APP (vault://app) is no longer in its store; the command keeps its last value",
			"6m0s warn: watch: APP (vault://app) is back in its store")
		r.want("start|stop", "0s start APP=v1-canary", "6m1s stop", "6m1s start APP=v2-canary")
		r.noValues("v1-canary", "v2-canary")
		r.end()
	})
}

// A secret deleted with its history and created again starts its versions again (Vault KV v2
// after `vault kv metadata delete`, GCP): its version can equal the one the child has while
// its value differs. Once back, it is read and compared by value, not trusted by version.
func TestRecreatedSecretIsComparedByValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, kv := startApp(t)

		kv.remove("app")
		r.after(5 * time.Minute)
		kv.recreate("app", "v2-canary") // version 1 again
		r.after(2 * time.Minute)

		r.want("start|stop", "0s start APP=v1-canary", "6m1s stop", "6m1s start APP=v2-canary")
		r.noValues("v1-canary", "v2-canary")
		r.end()
	})
}

// A new environment that cannot be built (a secret file that cannot be written) leaves the
// child alone; the restart is tried again MinInterval later.
func TestRestartWithoutEnvironmentIsTriedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"token": "v1"})}
		items := []Item{item(t, "TOKEN", "file://token", fs)}
		broken := true
		r := startRun(t, ev, items, Options{}, Config{Debounce: time.Second, MinInterval: time.Minute, Hooks: Hooks{
			Env: func(latest []Change) ([]string, []*os.File, error) {
				if broken {
					broken = false
					return nil, nil, errors.New("no space left on device")
				}
				return envOf(items, latest), nil, nil
			}}})
		fs.rewrite("token", "v2")
		r.after(2 * time.Minute)
		r.want("start|stop|warn:", "0s start TOKEN=v1",
			"1.1s warn: watch: not restarting; the command runs on with the values it has, and the restart is tried again in 1m0s: no space left on device",
			"1m1.1s stop", "1m1.1s start TOKEN=v2")
		r.end()
	})
}

// A change still in its debounce when a restarted child fails at once is taken by the start
// again after the backoff; the debounce then finds nothing left to do (no second restart).
func TestChangeDuringRetryIsTakenByTheRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Debounce: 3 * time.Second, MinInterval: time.Second, Settle: 10 * time.Second, Retries: 3})
		fs.rewrite("token", "v2")
		r.after(3500 * time.Millisecond) // restarted at 3.1s
		fs.rewrite("token", "v3")        // seen at 3.6s: due at 6.6s
		r.after(500 * time.Millisecond)
		r.child.exit(1) // fails at once at 4s: started again at 5s, with v3
		r.after(10 * time.Second)
		r.want("start|stop|exit", "0s start TOKEN=v1", "3.1s stop", "3.1s start TOKEN=v2", "4s exit 1", "5s start TOKEN=v3")
		r.end()
	})
}

// A SIGTERM during the backoff before a failed child is started again ends the run at once.
func TestSIGTERMDuringRetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{}, Config{Debounce: time.Second, MinInterval: time.Minute, Settle: 10 * time.Second, Retries: 3})
		fs.rewrite("token", "v2")
		r.after(2 * time.Second)
		r.child.exit(1)
		r.after(100 * time.Millisecond)
		close(r.child.stopping)
		if got := r.ended(); got.exit.Status != 1 {
			t.Errorf("status %d, want the failed child's 1", got.exit.Status)
		}
		r.want("start", "0s start TOKEN=v1", "1.1s start TOKEN=v2")
	})
}

// A file that cannot be read (caught half-written, or malformed by hand) is read again at its
// next event, at once: fixed a second later, it restarts the child a second later, not after
// the backoff of a failed remote check (a tenth of the 5-minute interval).
func TestFileFixedAfterAFailedReadIsReadAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fs := startToken(t, Options{Interval: 5 * time.Minute}, Config{Debounce: time.Second})
		fs.fail(errors.New("token:1: unterminated double-quoted value"), false)
		fs.rewrite("token", "v2")
		r.after(time.Second)
		fs.fail(nil, false)
		fs.rewrite("token", "v3")
		r.after(3 * time.Second)
		r.want("start|warn:", "0s start TOKEN=v1",
			"100ms warn: watch: checking TOKEN (file://token) failed; the command runs on with the values it has, and the check is retried: token:1: unterminated double-quoted value",
			"1.1s warn: watch: checking TOKEN (file://token) works again",
			"2.1s start TOKEN=v3")
		r.end()
	})
}

// A file rewritten after secretrun read it at start but before its events were followed (a
// slow start on a busy machine, a rotation at a pod's start) has no event of its own: the files
// are read once when the watch is set up, so that the change is not missed until the next one.
func TestFileChangedBeforeTheWatchIsSeen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"token": "v1"})}
		items := []Item{item(t, "TOKEN", "file://token", fs)} // read at start: v1
		fs.set("token", "v2", false)                          // rewritten before the watch: no event
		r := startRun(t, ev, items, Options{}, Config{Debounce: time.Second})
		r.after(2 * time.Second)
		r.want("start", "0s start TOKEN=v1", "1.1s start TOKEN=v2")
		r.end()
	})
}

// A child slow to stop keeps the supervisor in its restart for the grace period; a value that
// changes meanwhile is masked the moment it is read, not once the restart is over, and its
// change is acted on after.
func TestChangeDuringASlowStopIsMaskedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := newEvents()
		fs := &files{store: newStore(ev, map[string]string{"a": "old-a", "b": "old-b"})}
		items := []Item{item(t, "A", "file://a", fs), item(t, "B", "file://b", fs)}
		r := startRun(t, ev, items, Options{}, Config{Debounce: time.Second, MinInterval: time.Second})
		r.child.mu.Lock()
		r.child.stopTake = 10 * time.Second
		r.child.mu.Unlock()

		r.after(10 * time.Second)
		fs.rewrite("a", "new-a") // read at 10.1s; the restart's stop runs from 11.1s to 21.1s
		r.after(3 * time.Second)
		fs.rewrite("b", "new-b") // read at 13.1s, while the old child is still stopping
		r.after(time.Minute)

		r.want("mask", "10.1s mask A", "13.1s mask B")
		r.want("start|stop", "0s start A=old-a B=old-b", "21.1s stop", "21.1s start A=new-a B=old-b",
			"32.1s stop", "32.1s start A=new-a B=new-b")
		r.end()
	})
}
