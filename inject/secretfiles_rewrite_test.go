package inject

import (
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// The `on_change: signal:NAME` action: the file the running child knows gets the new content,
// at the same path, before the signal; the child reads it on the signal. Longer and shorter
// values, in memory files and in a chosen directory.
func TestRewriteReachesTheRunningChild(t *testing.T) {
	const old = "CANARY-old-certificate-0123456789"
	for _, tc := range []struct {
		name   string
		opts   func(t *testing.T) FilesOptions
		linux  bool
		newVal string
	}{
		{name: "memory file, longer", opts: memoryOpts, linux: true, newVal: old + "-and-a-longer-tail"},
		{name: "memory file, shorter", opts: memoryOpts, linux: true, newVal: "CANARY-new"},
		{name: "chosen directory, longer", opts: dirOpts, newVal: old + "-and-a-longer-tail"},
		{name: "chosen directory, shorter", opts: dirOpts, newVal: "CANARY-new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.linux && runtime.GOOS != "linux" {
				t.Skip("memory files are Linux only")
			}
			f, err := NewSecretFiles(tc.opts(t))
			must(t, err)
			defer f.Remove()
			path, err := f.Write("TLS_CERT", old)
			must(t, err)

			var out notifyBuffer
			s := openSession(t, Spec{Streams: Streams{Out: &out, Err: io.Discard}})
			if err := s.Start(append(genEnv("A", "file:TLS_CERT"), "TLS_CERT="+path), f.ExtraFiles()); err != nil {
				t.Fatal(err)
			}
			mustSee(t, &out, "A TLS_CERT="+old+"\n")
			must(t, f.Rewrite("TLS_CERT", tc.newVal))
			s.Signal(syscall.SIGHUP)
			if ex := exitOf(t, s); ex.Status != 0 {
				t.Fatalf("child exited %+v; output %q", ex, out.String())
			}
			if got, want := out.String(), "A TLS_CERT="+old+"\nA TLS_CERT="+tc.newVal+"\n"; got != want {
				t.Fatalf("child read %q, want %q", got, want)
			}
		})
	}
}

func memoryOpts(*testing.T) FilesOptions { return FilesOptions{Rewritable: true} }

func dirOpts(t *testing.T) FilesOptions { return FilesOptions{Dir: t.TempDir()} }

// A rewritable memory file is still read-only for the child (mode 0400 and a read-only
// descriptor; root, which ignores the mode, can reopen it for writing); a sealed one (the default) cannot be rewritten, and the error names the
// variable, never a value.
func TestRewriteMemoryFileLimits(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("memory files are Linux only")
	}
	f, err := NewSecretFiles(FilesOptions{Rewritable: true})
	must(t, err)
	defer f.Remove()
	key, err := f.Write("TLS_KEY", "CANARY-key")
	must(t, err)
	if out, err := runWithFiles(t, f, "stat", "-L", "-c", "%a", key); err != nil || out != "400\n" {
		t.Errorf("stat: %q, %v; want mode 400", out, err)
	}
	if out, err := runWithFiles(t, f, "sh", "-c", `echo CHANGED >&3`); err == nil {
		t.Errorf("the child could write through its descriptor: %q", out)
	}
	if os.Geteuid() != 0 { // root ignores the mode
		if out, err := runWithFiles(t, f, "sh", "-c", `echo CHANGED >> "$0"`, key); err == nil {
			t.Errorf("the child could reopen the memory file for writing: %q", out)
		}
	} else {
		t.Log("running as root, which may open a file of mode 0400 for writing: not checked")
	}
	if out, _ := runWithFiles(t, f, "cat", key); out != "CANARY-key" {
		t.Errorf("the memory file changed: %q", out)
	}
	if err := f.Rewrite("OTHER", "CANARY-other"); err == nil || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("Rewrite of an unknown variable: %v", err)
	}

	sealed, err := NewSecretFiles(FilesOptions{})
	must(t, err)
	defer sealed.Remove()
	key, err = sealed.Write("TLS_KEY", "CANARY-key")
	must(t, err)
	err = sealed.Rewrite("TLS_KEY", "CANARY-new-key")
	if err == nil || !strings.Contains(err.Error(), "TLS_KEY") || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("Rewrite of a sealed memory file: %v", err)
	}
	if out, _ := runWithFiles(t, sealed, "cat", key); out != "CANARY-key" {
		t.Errorf("the sealed memory file changed: %q", out)
	}
}

// In a directory the file is replaced by rename: private mode kept, no temporary file left.
func TestRewriteDirectoryFileIsReplaced(t *testing.T) {
	f, err := NewSecretFiles(FilesOptions{Dir: t.TempDir()})
	must(t, err)
	defer f.Remove()
	p, err := f.Write("TLS_KEY", "CANARY-key")
	must(t, err)
	must(t, f.Rewrite("TLS_KEY", "CANARY-new-key"))
	checkPrivate(t, f.Dir(), p, "CANARY-new-key")
	entries, err := os.ReadDir(f.Dir())
	must(t, err)
	if len(entries) != 1 || entries[0].Name() != "TLS_KEY" {
		t.Errorf("directory holds %v, want TLS_KEY alone", entries)
	}
	if err := f.Rewrite("OTHER", "CANARY-other"); err == nil || strings.Contains(err.Error(), "CANARY") {
		t.Errorf("Rewrite of an unknown variable: %v", err)
	}
}
