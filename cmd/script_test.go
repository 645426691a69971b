package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/term"
)

// TestMain lets the test binary act as secretrun itself and as fakechild, the program the CLI
// tests run under secretrun.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"secretrun": func() { os.Exit(Main()) },
		"fakechild": fakeChild,
	})
}

// TestScripts runs the CLI tests in testdata/script: the real command, in a scratch directory,
// with a fake child.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// A clean, predictable environment for the child to inherit.
			env.Setenv("NO_COLOR", "")
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/xdg")
			env.Setenv("HOME", env.WorkDir+"/home")
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
			"status": cmdStatus,
		},
		RequireExplicitExec: true,
	})
}

// cmdStatus runs a program and checks its exit status: `status N PROGRAM [ARGS...]`. Its stdout
// and stderr are then checked with the usual stdout and stderr commands.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// fakeChild runs its arguments as actions, in order:
//
//	env NAME...   print NAME=value for each variable, or "NAME unset"
//	envall        print the whole environment, sorted
//	say TEXT      print TEXT and a newline on stdout
//	err TEXT      print TEXT and a newline on stderr
//	cat PATH      print a file's content
//	stdin         copy stdin to stdout
//	tty           print whether stdin, stdout and stderr are terminals
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
		case "say", "err", "cat", "exit", "kill":
			if len(args) == 0 {
				fail("%s needs an argument", action)
			}
			arg := args[0]
			args = args[1:]
			switch action {
			case "say":
				fmt.Println(arg)
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
		case "stdin":
			io.Copy(os.Stdout, os.Stdin)
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

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fakechild: "+format+"\n", args...)
	os.Exit(99)
}
