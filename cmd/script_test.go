package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/term"

	"github.com/secretrun/secretrun/internal/testenv"
)

// TestMain lets the test binary act as secretrun itself and as fakechild, the program the CLI
// tests run under secretrun.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"secretrun": func() { os.Exit(mainWith(testDeps(), os.Args[1:])) },
		"fakechild": fakeChild,
	})
}

// testDeps are the dependencies of the secretrun command in CLI tests: the real ones, unless a
// test file's init replaces them (e2e tests route azkv:// to a local Key Vault test server, since
// no Azure emulator exists).
var testDeps = SystemDeps

// TestScripts runs the CLI tests in testdata/script: the real command, in a scratch directory,
// with a fake child.
func TestScripts(t *testing.T) {
	testenv.ChildrenStartWithDefaultSignals()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			scratchEnv(env)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":   cmdStatus,
			"waitfile": cmdWaitFile,
			"signal":   cmdSignal,
		},
		RequireExplicitExec: true,
	})
}

// scratchEnv gives a script a clean, predictable environment for secretrun and the child: no
// colours, and config discovery that stays inside the script's work directory.
func scratchEnv(env *testscript.Env) {
	env.Setenv("NO_COLOR", "")
	env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/xdg")
	env.Setenv("HOME", env.WorkDir+"/home")
	// Under -race a process that exits 0 sleeps 1s first (atexit_sleep_ms), secretrun and
	// fakechild each, and the scripts run hundreds. Races are still reported when they happen.
	env.Setenv("GORACE", "atexit_sleep_ms=0")
	// The repository, for the scripts that run its bundled example.
	if repo, err := filepath.Abs(".."); err == nil {
		env.Setenv("REPO", repo)
	}
}

// cmdStatus runs a program and checks how it ended: `status N PROGRAM [ARGS...]` for exit status
// N, `status killed:S PROGRAM [ARGS...]` for a death by signal number S (what a shell shows as
// 128+S). Its stdout and stderr are then checked with the usual stdout and stderr commands.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N|killed:S PROGRAM [ARGS...]")
	}
	want := args[0]
	if n, ok := strings.CutPrefix(want, "killed:"); ok {
		want = "killed by signal " + n
	}
	got := "0"
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = strconv.Itoa(ee.ExitCode())
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			got = fmt.Sprintf("killed by signal %d", int(ws.Signal()))
		}
	}
	if got != want {
		ts.Fatalf("exit status %s, want %s", got, want)
	}
}

// fakeChild runs its arguments as actions, in order:
//
//	env NAME...   print NAME=value for each variable, or "NAME unset"
//	envall        print the whole environment, sorted
//	say TEXT      print TEXT and a newline on stdout
//	err TEXT      print TEXT and a newline on stderr
//	cat PATH      print a file's content
//	printf TEXT   print TEXT, a Go string literal body ("\x1b[31m", "\r"), with no newline
//	readline      read one line from stdin and print "read: LINE"
//	stdin         copy stdin to stdout
//	tty           print whether stdin, stdout and stderr are terminals
//	ignored       print whether SIGHUP and SIGINT are ignored ("ignored: SIGHUP=B SIGINT=B")
//	trap FILE     count SIGINT, SIGTERM and SIGHUP; when ready, write the parent's PID (that is,
//	              secretrun's) to FILE; after the first
//	              signal, wait 300ms for duplicates, print "received SIGNAL N time(s)", exit 0
//	peek          try to read the parent's (secretrun's) /proc/PID/environ and mem, and print
//	              "environ: ..." and "mem: ..." (readable, or the error); never the content
//	corelimit     print the core-file size limits of the parent and itself
//	exit N        exit with status N
//	kill SIG      kill itself with signal SIG (a number)
func fakeChild() {
	args := os.Args[1:]
	for len(args) > 0 {
		action := args[0]
		args = args[1:]
		switch action {
		case "env":
			for _, name := range args {
				if v, ok := os.LookupEnv(name); ok {
					fmt.Printf("%s=%s\n", name, v)
				} else {
					fmt.Printf("%s unset\n", name)
				}
			}
			args = nil
		case "envall":
			env := os.Environ()
			sort.Strings(env)
			fmt.Println(strings.Join(env, "\n"))
		case "say", "err", "cat", "exit", "kill", "printf", "trap":
			if len(args) == 0 {
				fail("%s needs an argument", action)
			}
			arg := args[0]
			args = args[1:]
			switch action {
			case "say":
				fmt.Println(arg)
			case "trap":
				trapSignals(arg)
			case "printf":
				text, err := strconv.Unquote(`"` + arg + `"`)
				if err != nil {
					fail("printf: %v", err)
				}
				fmt.Print(text)
			case "err":
				fmt.Fprintln(os.Stderr, arg)
			case "cat":
				data, err := os.ReadFile(arg)
				if err != nil {
					fail("%v", err)
				}
				os.Stdout.Write(data)
			case "exit":
				n, _ := strconv.Atoi(arg)
				os.Exit(n)
			case "kill":
				n, _ := strconv.Atoi(arg)
				syscall.Kill(os.Getpid(), syscall.Signal(n))
				select {} // wait for the signal to take effect
			}
		case "peek":
			peekParent()
		case "corelimit":
			fmt.Printf("parent core: %s\n", coreLimit(os.Getppid()))
			fmt.Printf("own core: %s\n", coreLimit(os.Getpid()))
		case "readline":
			line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
			fmt.Printf("read: %s\n", strings.TrimRight(line, "\r\n"))
		case "stdin":
			io.Copy(os.Stdout, os.Stdin)
		case "ignored":
			fmt.Printf("ignored: SIGHUP=%v SIGINT=%v\n", signal.Ignored(syscall.SIGHUP), signal.Ignored(syscall.SIGINT))
		case "tty":
			for i, name := range []string{"stdin", "stdout", "stderr"} {
				fmt.Printf("%s tty=%v\n", name, term.IsTerminal(i))
			}
		default:
			fail("unknown action %q", action)
		}
	}
	os.Exit(0)
}

// peekParent implements fakechild's peek action: what a same-user child could read of secretrun.
func peekParent() {
	proc := "/proc/" + strconv.Itoa(os.Getppid())
	environ, err := os.ReadFile(proc + "/environ")
	switch {
	case err != nil:
		fmt.Printf("environ: %v\n", errors.Unwrap(err))
	case strings.Contains(string(environ), "CANARY"):
		fmt.Println("environ: readable, with the canary")
	default:
		fmt.Println("environ: readable")
	}
	mem, err := os.Open(proc + "/mem")
	if err != nil {
		fmt.Printf("mem: %v\n", errors.Unwrap(err))
		return
	}
	defer mem.Close()
	maps, err := os.ReadFile(proc + "/maps")
	if err != nil {
		fmt.Printf("mem: opened; maps: %v\n", errors.Unwrap(err))
		return
	}
	start, _, _ := strings.Cut(string(maps), "-")
	addr, _ := strconv.ParseInt(start, 16, 64)
	if _, err := mem.ReadAt(make([]byte, 16), addr); err != nil {
		fmt.Printf("mem: opened; read: %v\n", err)
		return
	}
	fmt.Println("mem: readable")
}

// coreLimit returns the soft core-file size limit of process pid, from /proc/PID/limits.
func coreLimit(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		return err.Error()
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "Max core file size") {
			return strings.Fields(strings.TrimPrefix(line, "Max core file size"))[0]
		}
	}
	return "?"
}

// trapSignals implements fakechild's trap action.
func trapSignals(readyFile string) {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	// write then rename, so that a reader never sees an empty file
	if err := os.WriteFile(readyFile+".tmp", []byte(strconv.Itoa(os.Getppid())), 0o600); err != nil {
		fail("%v", err)
	}
	if err := os.Rename(readyFile+".tmp", readyFile); err != nil {
		fail("%v", err)
	}
	counts := map[os.Signal]int{}
	counts[<-sigs]++
	for deadline := time.After(300 * time.Millisecond); ; {
		select {
		case s := <-sigs:
			counts[s]++
			continue
		case <-deadline:
		}
		break
	}
	for s, n := range counts {
		fmt.Printf("received %v %d time(s)\n", s, n)
	}
}

// cmdWaitFile waits until a file exists: `waitfile PATH` (a hang guard fails it after 10s).
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
	}
	ts.Fatalf("%s did not appear", args[0])
}

// cmdSignal sends a signal to the process whose PID a file holds: `signal TERM|INT|HUP PIDFILE`.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	names := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1}
	sig, ok := names[args[0]]
	if neg || len(args) != 2 || !ok {
		ts.Fatalf("usage: signal TERM|INT|HUP|QUIT|USR1 PIDFILE")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(ts.ReadFile(args[1])))
	ts.Check(err)
	ts.Check(syscall.Kill(pid, sig))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fakechild: "+format+"\n", args...)
	os.Exit(99)
}
