package actiontest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const script = "../../.github/action/install.sh"

// fakeRelease writes a release directory like goreleaser's: v0.1.0/secretrun_0.1.0_OS_ARCH.tar.gz
// holding a stand-in secretrun, and v0.1.0/checksums.txt. It returns the base URL and the
// archive's checksum.
func fakeRelease(t *testing.T, tamper bool) (string, string) {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, body string }{
		{"README.md", "readme\n"},
		{"secretrun", "#!/bin/sh\necho \"fake secretrun 0.1.0 $*\"\n"},
	} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f.body))
	}
	tw.Close()
	gz.Close()
	archive := fmt.Sprintf("secretrun_0.1.0_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)
	sum := sha256.Sum256(buf.Bytes())
	hexSum := hex.EncodeToString(sum[:])
	listed := hexSum
	if tamper {
		listed = strings.Repeat("0", 64)
	}
	rel := filepath.Join(dir, "v0.1.0")
	os.MkdirAll(rel, 0o755)
	os.WriteFile(filepath.Join(rel, archive), buf.Bytes(), 0o644)
	checksums := fmt.Sprintf("%s  secretrun_0.1.0_windows_amd64.zip\n%s  %s\n", strings.Repeat("a", 64), listed, archive)
	os.WriteFile(filepath.Join(rel, "checksums.txt"), []byte(checksums), 0o644)
	return "file://" + dir, hexSum
}

type run struct {
	out             string
	err             error
	githubPath      string
	githubOutput    string
	toolCache, temp string
}

func install(t *testing.T, base string, extra ...string) run {
	t.Helper()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("the action installs Linux and macOS builds")
	}
	work := t.TempDir()
	r := run{toolCache: filepath.Join(work, "toolcache"), temp: filepath.Join(work, "temp")}
	os.MkdirAll(r.temp, 0o755)
	ghPath, ghOut := filepath.Join(work, "github_path"), filepath.Join(work, "github_output")
	os.WriteFile(ghPath, nil, 0o644)
	os.WriteFile(ghOut, nil, 0o644)
	c := exec.Command("bash", script)
	c.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"SECRETRUN_VERSION=v0.1.0",
		"SECRETRUN_BASE_URL=" + base,
		"GITHUB_PATH=" + ghPath,
		"GITHUB_OUTPUT=" + ghOut,
		"RUNNER_TOOL_CACHE=" + r.toolCache,
		"RUNNER_TEMP=" + r.temp,
	}, extra...)
	out, err := c.CombinedOutput()
	r.out, r.err = string(out), err
	p, _ := os.ReadFile(ghPath)
	o, _ := os.ReadFile(ghOut)
	r.githubPath, r.githubOutput = string(p), string(o)
	return r
}

func TestInstall(t *testing.T) {
	base, sum := fakeRelease(t, false)
	r := install(t, base, "SECRETRUN_SHA256="+strings.ToUpper(sum))
	if r.err != nil {
		t.Fatalf("install failed: %v\n%s", r.err, r.out)
	}
	dest := filepath.Join(r.toolCache, "secretrun", "0.1.0", runtime.GOARCH)
	if r.githubPath != dest+"\n" {
		t.Errorf("GITHUB_PATH = %q, want %q", r.githubPath, dest+"\n")
	}
	if want := "path=" + filepath.Join(dest, "secretrun") + "\n"; r.githubOutput != want {
		t.Errorf("GITHUB_OUTPUT = %q, want %q", r.githubOutput, want)
	}
	out, err := exec.Command(filepath.Join(dest, "secretrun"), "version").Output()
	if err != nil || string(out) != "fake secretrun 0.1.0 version\n" {
		t.Errorf("installed binary: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dest, "README.md")); err == nil {
		t.Error("the whole archive was unpacked; want the binary only")
	}
	if entries, _ := os.ReadDir(r.temp); len(entries) != 0 {
		t.Errorf("download directory left behind: %v", entries)
	}
}

func TestInstallRefusesTamperedArchive(t *testing.T) {
	base, _ := fakeRelease(t, true)
	r := install(t, base)
	if r.err == nil {
		t.Fatalf("install succeeded with a wrong checksum:\n%s", r.out)
	}
	if !strings.Contains(r.out, "::error title=secretrun install::checksum mismatch for secretrun_0.1.0_") {
		t.Errorf("output: %s", r.out)
	}
	if r.githubPath != "" || r.githubOutput != "" {
		t.Errorf("GITHUB_PATH %q / GITHUB_OUTPUT %q written after a failure", r.githubPath, r.githubOutput)
	}
	if _, err := os.Stat(r.toolCache); err == nil {
		t.Error("something was installed")
	}
}

func TestInstallRefusesWrongPinnedChecksum(t *testing.T) {
	base, _ := fakeRelease(t, false)
	r := install(t, base, "SECRETRUN_SHA256="+strings.Repeat("b", 64))
	if r.err == nil || !strings.Contains(r.out, "the workflow pins") || r.githubPath != "" {
		t.Errorf("err %v, GITHUB_PATH %q, output:\n%s", r.err, r.githubPath, r.out)
	}
}

func TestInstallErrors(t *testing.T) {
	base, _ := fakeRelease(t, false)
	tests := []struct {
		name, want string
		env        []string
	}{
		{"missing release", "cannot download", []string{"SECRETRUN_VERSION=9.9.9"}},
		{"bad version", "is not a release version", []string{"SECRETRUN_VERSION=latest; rm -rf /"}},
		{"no GITHUB_PATH", "GITHUB_PATH is not set", []string{"GITHUB_PATH="}},
		{"plain http refused", "cannot download", []string{"SECRETRUN_BASE_URL=http://127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := install(t, base, tt.env...)
			if r.err == nil || !strings.Contains(r.out, tt.want) {
				t.Errorf("err %v, want output with %q:\n%s", r.err, tt.want, r.out)
			}
		})
	}
}

// action.yml passes its inputs to the script through the environment, and its default version
// is a pinned release.
func TestActionYAML(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Inputs map[string]struct{ Default string }
		Runs   struct {
			Using string
			Steps []struct {
				Run   string
				Shell string
				Env   map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) != 1 {
		t.Fatalf("runs: %+v", a.Runs)
	}
	step := a.Runs.Steps[0]
	if !strings.Contains(step.Run, "$GITHUB_ACTION_PATH/.github/action/install.sh") || strings.Contains(step.Run, "${{") {
		t.Errorf("run: %q (inputs must not be spliced into the script)", step.Run)
	}
	for name, input := range map[string]string{"SECRETRUN_VERSION": "version", "SECRETRUN_SHA256": "sha256", "SECRETRUN_BASE_URL": "base-url"} {
		if step.Env[name] != "${{ inputs."+input+" }}" {
			t.Errorf("env %s = %q", name, step.Env[name])
		}
	}
	if v := a.Inputs["version"].Default; !strings.HasPrefix(v, "0.") && !strings.HasPrefix(v, "1.") {
		t.Errorf("version default %q is not a pinned release", v)
	}
}
