// Command forkexec is the baseline for scripts/bench-startup.sh: the least a Go program can do to
// run a child (fork+exec, inherit stdio, wait, pass the exit status on).
package main

import (
	"errors"
	"os"
	"os/exec"
)

func main() {
	c := exec.Command(os.Args[1], os.Args[2:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		os.Exit(127)
	}
}
