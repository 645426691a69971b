package inject

// Helpers of the Session tests, in the pattern of run_helper_test.go:
//
//   - INJECT_TEST_GEN=behaviour makes the test binary a child that knows which generation it is
//     (its GEN variable) and says so in everything it prints (genMain);
//   - INJECT_TEST_SESSION=<json sessionScript> makes it a tiny secretrun that runs one child
//     after the other in one Session (sessionMain), so that a test can run it as PID 1.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const (
	genEnvVar     = "INJECT_TEST_GEN"
	sessionEnvVar = "INJECT_TEST_SESSION"
)

func init() {
	if b, ok := os.LookupEnv(genEnvVar); ok {
		genMain(b)
		os.Exit(0)
	}
	if cfg, ok := os.LookupEnv(sessionEnvVar); ok {
		os.Exit(sessionMain(cfg))
	}
}

// genEnv is the environment of a generation child: GEN=gen, behaving as behaviour.
func genEnv(gen, behaviour string) []string {
	var env []string
	for _, kv := range baseEnv() {
		if !strings.HasPrefix(kv, genEnvVar+"=") && !strings.HasPrefix(kv, sessionEnvVar+"=") {
			env = append(env, kv)
		}
	}
	return append(env, genEnvVar+"="+behaviour, "GEN="+gen)
}

// genMain is a child that prints its generation in every line:
//
//   - "serve[:N]": writes N bytes of writeData(len(GEN)) if N is given, then "GEN ready";
//     prints "GEN got SIGUSR1" for each SIGUSR1 and, on SIGTERM, GEN_TAIL lines "GEN tail I"
//     (none without GEN_TAIL), then "GEN stopping", and exits 3;
//   - "line": reads one line from stdin, a byte at a time (so it takes no more), prints
//     "GEN got:LINE" and exits 0;
//   - "file:VAR": prints "GEN VAR=<content of the file $VAR names>", then waits for SIGHUP and
//     prints the content again, and exits 0.
func genMain(behaviour string) {
	gen := os.Getenv("GEN")
	args := strings.Split(behaviour, ":")
	switch args[0] {
	case "serve":
		ch := make(chan os.Signal, 8)
		signal.Notify(ch, syscall.SIGUSR1, syscall.SIGTERM)
		if len(args) > 1 {
			if err := writeData(os.Stdout, uint64(len(gen)), int64(atoi(args[1]))); err != nil {
				os.Exit(4)
			}
		}
		fmt.Printf("%s ready\n", gen)
		timeout := time.After(30 * time.Second)
		for {
			select {
			case sig := <-ch:
				if sig == syscall.SIGTERM {
					for i := range atoiOr(os.Getenv("GEN_TAIL"), 0) {
						fmt.Printf("%s tail %d\n", gen, i)
					}
					fmt.Printf("%s stopping\n", gen)
					os.Exit(3)
				}
				fmt.Printf("%s got SIGUSR1\n", gen)
			case <-timeout:
				os.Exit(98)
			}
		}
	case "line":
		var line []byte
		b := make([]byte, 1)
		for {
			if n, err := os.Stdin.Read(b); n == 0 || err != nil || b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		fmt.Printf("%s got:%s\n", gen, line)
	case "file":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		show := func() {
			b, err := os.ReadFile(os.Getenv(args[1]))
			if err != nil {
				fmt.Printf("%s %s: %v\n", gen, args[1], err)
				os.Exit(5)
			}
			fmt.Printf("%s %s=%s\n", gen, args[1], b)
		}
		show()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			os.Exit(98)
		}
		show()
	default:
		fmt.Fprintf(os.Stderr, "unknown gen behaviour %q\n", behaviour)
		os.Exit(111)
	}
}

// sessionScript configures sessionMain: the children's environments, run one after the other
// to completion in one Session.
type sessionScript struct {
	Envs []([]string)
	PTY  PTYMode
}

// sessionEnv is the environment that makes the test binary a session runner.
func sessionEnv(script sessionScript) []string { return roleEnv(sessionEnvVar, script) }

// sessionMain is a tiny secretrun with restarts: each child of the script in turn, in one
// Session, on its own standard streams. It prints each child's Exit on stderr and exits with
// the last child's status.
func sessionMain(cfgJSON string) int {
	var cfg sessionScript
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "session:", err)
		return 120
	}
	s, err := Open(context.Background(), Spec{
		Args:    []string{os.Args[0]},
		Streams: Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, InFile: os.Stdin, OutFile: os.Stdout, ErrFile: os.Stderr},
		PTY:     cfg.PTY,
		Grace:   2 * time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "session: open:", err)
		return 121
	}
	defer s.Close()
	status := 0
	for i, env := range cfg.Envs {
		if err := s.Start(env, nil); err != nil {
			fmt.Fprintln(os.Stderr, "session: start:", err)
			return 122
		}
		ex := <-s.Exited()
		fmt.Fprintf(os.Stderr, "child %d: status %d\n", i+1, ex.Status)
		status = ex.Status
	}
	return status
}

// atoiOr is atoi, or def for "".
func atoiOr(s string, def int) int {
	if s == "" {
		return def
	}
	return atoi(s)
}
