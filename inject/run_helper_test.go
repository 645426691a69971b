package inject

// The runner tests use the test binary itself as the fake child and as a fake secretrun:
//
//   - INJECT_TEST_CHILD=mode[:arg...] makes it a child with one small behaviour (childMain);
//   - INJECT_TEST_RUNNER=<json runnerConfig> makes it a tiny secretrun that calls Run with its
//     own standard streams and exits with Run's status (runnerMain), so tests can signal it,
//     give it a real controlling terminal, or run it as PID 1, without touching the test
//     process itself.
//
// The dispatch happens in init, before the testing package parses flags, so no TestMain is
// needed (the package's other test files may have their own).

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

const (
	childEnvVar  = "INJECT_TEST_CHILD"
	runnerEnvVar = "INJECT_TEST_RUNNER"
)

func init() {
	if mode, ok := os.LookupEnv(childEnvVar); ok {
		childMain(mode)
		os.Exit(0)
	}
	if cfg, ok := os.LookupEnv(runnerEnvVar); ok {
		os.Exit(runnerMain(cfg))
	}
}

// childEnv is the environment for a fake child running mode.
func childEnv(mode string) []string {
	return append([]string{childEnvVar + "=" + mode}, baseEnv()...)
}

// baseEnv is the test's environment without the helper variables.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, childEnvVar+"=") && !strings.HasPrefix(kv, runnerEnvVar+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// childSpec is a Spec running the test binary as a fake child in mode.
func childSpec(mode string) Spec {
	return Spec{Args: []string{os.Args[0]}, Env: childEnv(mode), Grace: 2 * time.Second}
}

// writeData writes n bytes of a deterministic pseudo-random stream (seed) to w, in chunks.
func writeData(w io.Writer, seed uint64, n int64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	buf := make([]byte, 64<<10)
	for n > 0 {
		c := int64(len(buf))
		if c > n {
			c = n
		}
		for i := 0; i < int(c); i += 8 {
			v := r.Uint64()
			for j := 0; j < 8 && i+j < int(c); j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		if _, err := w.Write(buf[:c]); err != nil {
			return err
		}
		n -= c
	}
	return nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// spawnSelf starts the test binary as a fake child in mode, with stdout as its stdout (nil:
// /dev/null); it panics if it cannot.
func spawnSelf(mode string, stdout io.Writer) *exec.Cmd {
	c := exec.Command(os.Args[0])
	c.Env = childEnv(mode)
	c.Stdout = stdout
	if err := c.Start(); err != nil {
		panic(err)
	}
	return c
}

// childMain is the fake child. Each mode is one behaviour a test needs.
func childMain(mode string) {
	args := strings.Split(mode, ":")
	out := os.Stdout
	switch args[0] {
	case "exit": // exit:N
		os.Exit(atoi(args[1]))
	case "print": // print:TEXT
		fmt.Fprint(out, strings.Join(args[1:], ":"))
	case "kill": // kill:SIG — die of signal SIG
		sig := syscall.Signal(atoi(args[1]))
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(10 * time.Second)
		os.Exit(99)
	case "stopself": // stopself:N — see TestStopSelfStops
		stopSelfLoop(atoi(args[1]))
	case "signals":
		// Counts the forwardable signals it receives; prints the counts once none has come
		// for 700ms after the first, then exits 0.
		ch := make(chan os.Signal, 64)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
		fmt.Fprintf(out, "pid=%d ready\n", os.Getpid())
		counts := map[string]int{}
		timeout := time.After(30 * time.Second)
		var quiet <-chan time.Time
	loop:
		for {
			select {
			case s := <-ch:
				counts[unix.SignalName(s.(syscall.Signal))]++
				quiet = time.After(700 * time.Millisecond)
			case <-quiet:
				break loop
			case <-timeout:
				break loop
			}
		}
		var names []string
		for n, c := range counts {
			names = append(names, fmt.Sprintf("%s=%d", n, c))
		}
		sort.Strings(names)
		fmt.Fprintf(out, "got %s\n", strings.Join(names, " "))
	case "slowterm": // a shutdown handler that takes 1s and prints last words
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Fprintln(out, "ready")
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			os.Exit(98)
		}
		time.Sleep(time.Second)
		fmt.Fprint(out, "shutdown complete") // no newline: must still be flushed
		os.Exit(0)
	case "ignoreterm":
		signal.Ignore(syscall.SIGTERM)
		fmt.Fprintln(out, "ready")
		time.Sleep(30 * time.Second)
		os.Exit(98)
	case "grandchild": // leaves a grandchild holding stdout open
		c := spawnSelf("sleep:30", out)
		fmt.Fprintf(out, "grandchild=%d\n", c.Process.Pid)
		os.Exit(0)
	case "sleep": // sleep:SECONDS
		time.Sleep(time.Duration(atoi(args[1])) * time.Second)
	case "sleepms":
		time.Sleep(time.Duration(atoi(args[1])) * time.Millisecond)
	case "prompt": // a prompt without newline, then echo what was typed
		fmt.Fprint(out, "Password: ")
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Fprintf(out, "got:%s\n", strings.TrimRight(line, "\r\n"))
	case "devtty": // a password prompt on /dev/tty, like ssh or sudo
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			fmt.Fprintf(out, "no tty: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprint(tty, "prompt> ")
		line, _ := bufio.NewReader(tty).ReadString('\n')
		fmt.Fprintf(out, "read:%s\n", strings.TrimSpace(line))
	case "helper":
		// Starts a helper (sleep, whose SIGUSR1 action is the default: die) in its own process
		// group, then waits for one SIGUSR1 and reports whether the helper survived it.
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGUSR1)
		h := exec.Command("sleep", "30")
		if err := h.Start(); err != nil {
			fmt.Fprintf(out, "no helper: %v\n", err)
			os.Exit(1)
		}
		exited := make(chan string, 1)
		go func() { _ = h.Wait(); exited <- h.ProcessState.String() }()
		fmt.Fprintf(out, "helper=%d ready\n", h.Process.Pid)
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			os.Exit(98)
		}
		select {
		case st := <-exited:
			fmt.Fprintf(out, "got SIGUSR1, helper %s\n", st)
		case <-time.After(500 * time.Millisecond):
			fmt.Fprintln(out, "got SIGUSR1, helper alive")
			_ = h.Process.Kill()
		}
	case "catchhup": // reports whether SIGHUP was ignored at start, then counts SIGHUPs like "signals"
		fmt.Fprintf(out, "SIGHUP ignored=%v\n", signal.Ignored(syscall.SIGHUP))
		childMain("signals")
	case "ignored": // which of the signals a shell job may start with ignored are ignored here
		fmt.Fprintf(out, "SIGHUP=%v SIGINT=%v\n", signal.Ignored(syscall.SIGHUP), signal.Ignored(syscall.SIGINT))
	case "isatty":
		fmt.Fprintf(out, "stdin=%v stdout=%v stderr=%v\n", term.IsTerminal(0), term.IsTerminal(1), term.IsTerminal(2))
	case "winsize": // print the size; with "watch", print it again on SIGWINCH
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGWINCH)
		ws, err := unix.IoctlGetWinsize(1, unix.TIOCGWINSZ)
		if err != nil {
			fmt.Fprintf(out, "winsize error %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(out, "size=%dx%d\n", ws.Row, ws.Col)
		if len(args) > 1 && args[1] == "watch" {
			select {
			case <-ch:
			case <-time.After(20 * time.Second):
			}
			ws, _ = unix.IoctlGetWinsize(1, unix.TIOCGWINSZ)
			fmt.Fprintf(out, "size=%dx%d\n", ws.Row, ws.Col)
		}
	case "bytes": // bytes:N:SEED[:both] — N bytes to stdout (and other N to stderr), then exit at once
		n, seed := int64(atoi(args[1])), uint64(atoi(args[2]))
		both := len(args) > 3 && args[3] == "both"
		errc := make(chan error, 1)
		if both {
			go func() { errc <- writeData(os.Stderr, seed+1, n) }()
		}
		if err := writeData(out, seed, n); err != nil {
			os.Exit(3)
		}
		if both {
			if err := <-errc; err != nil {
				os.Exit(3)
			}
		}
		os.Exit(0)
	case "yes":
		b := []byte(strings.Repeat("y\n", 4096))
		for {
			if _, err := out.Write(b); err != nil {
				os.Exit(97) // only reached if SIGPIPE is ignored
			}
		}
	case "env":
		for _, kv := range os.Environ() {
			fmt.Fprintln(out, kv)
		}
	case "cat":
		_, _ = io.Copy(out, os.Stdin)
	case "color":
		fmt.Fprint(out, "\x1b[31mred\x1b[0m plain\n")
		fmt.Fprint(os.Stderr, "\x1b[1mbold-err\x1b[0m\n")
	case "stderr": // stderr:TEXT
		fmt.Fprint(os.Stderr, strings.Join(args[1:], ":"))
	case "orphans": // orphans:K — K grandchildren re-parented to our parent, then count zombies
		if err := spawnSelf("spawner:"+args[1], nil).Wait(); err != nil {
			os.Exit(90)
		}
		time.Sleep(1500 * time.Millisecond) // the grandchildren exit after 200ms
		fmt.Fprintf(out, "zombies=%d\n", countZombies())
		os.Exit(7)
	case "spawner":
		for i := 0; i < atoi(args[1]); i++ {
			spawnSelf("sleepms:200", nil)
		}
		os.Exit(0) // without waiting: the sleepers are re-parented
	default:
		fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
		os.Exit(111)
	}
}

// countZombies counts processes in state Z in /proc.
func countZombies() int {
	n := 0
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		if f := procStat(p); len(f) > 0 && f[0] == "Z" {
			n++
		}
	}
	return n
}

// procStat returns the fields of a /proc/PID/stat file after the command name (state, ppid,
// ...), or nil if it cannot be read.
func procStat(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// runnerConfig configures runnerMain.
type runnerConfig struct {
	Child    string        // the fake child's mode
	Grace    time.Duration // Spec.Grace
	PTY      PTYMode
	RSSFile  string // if set, the runner writes its max RSS in KiB there before exiting
	CancelIn time.Duration
	// PanicInWrap makes the output writer panic on its first Write (terminal restore test).
	PanicInWrap bool
	// Args, if set, is the command line of a real program to run instead of the fake child,
	// with the runner's environment (minus the helper variables).
	Args []string
	// SignalGroup is Spec.SignalGroup.
	SignalGroup bool
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("test: writer panics") }
func (panicWriter) Close() error              { return nil }

// runnerEnv is the environment that makes the test binary a runner.
func runnerEnv(cfg runnerConfig) []string { return roleEnv(runnerEnvVar, cfg) }

// roleEnv is the base environment plus envVar set to cfg as JSON: what makes the test binary
// play the role envVar names (runner, session runner) with that configuration.
func roleEnv(envVar string, cfg any) []string {
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	return append(baseEnv(), envVar+"="+string(b))
}

// runnerMain is a tiny secretrun: Run with its own streams, exit with Run's status.
func runnerMain(cfgJSON string) int {
	var cfg runnerConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		return 120
	}
	spec := Spec{
		Args: []string{os.Args[0]},
		Env:  childEnv(cfg.Child),
		Streams: Streams{
			In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
			InFile: os.Stdin, OutFile: os.Stdout, ErrFile: os.Stderr,
			InTTY: term.IsTerminal(0), OutTTY: term.IsTerminal(1), ErrTTY: term.IsTerminal(2),
		},
		PTY:   cfg.PTY,
		Grace: cfg.Grace,

		SignalGroup: cfg.SignalGroup,
	}
	if len(cfg.Args) > 0 {
		spec.Args, spec.Env = cfg.Args, baseEnv()
	}
	if cfg.PanicInWrap {
		spec.Wrap = func(string, io.Writer, bool) io.WriteCloser { return panicWriter{} }
	}
	ctx := context.Background()
	if cfg.CancelIn > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.CancelIn)
		defer cancel()
	}
	status, err := Run(ctx, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner: error:", err)
	}
	if cfg.RSSFile != "" {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		_ = os.WriteFile(cfg.RSSFile, []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o644)
	}
	return status
}
