// Package examples holds the deployment examples (Docker, Kubernetes, GitHub Actions, GitLab
// CI, cron, systemd) and the bundled demo; its test checks each example as far as it can run
// here: YAML valid, configurations valid, references parsable, the crontab and systemd command
// lines run against the demo.
package examples

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/all"
)

// yamlFiles returns every .yaml and .yml file under examples/, hidden ones included.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// documents parses every YAML document of a file.
func documents(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: invalid YAML: %v", path, err)
		}
		if len(doc) == 0 {
			t.Errorf("%s: empty document", path)
		}
		docs = append(docs, doc)
	}
	return docs
}

func TestYAMLValid(t *testing.T) {
	files := yamlFiles(t)
	if len(files) < 10 {
		t.Fatalf("found only %d YAML files: %q", len(files), files)
	}
	for _, f := range files {
		if len(documents(t, f)) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
	}
}

// Every secretrun.yaml is a valid configuration, and every reference in it parses.
func TestConfigurations(t *testing.T) {
	n := 0
	for _, f := range yamlFiles(t) {
		if filepath.Base(f) != "secretrun.yaml" {
			continue
		}
		n++
		cfg, err := all.Schema().Load(f, f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, name := range cfg.ProfileNames() {
			p, err := cfg.Profile(name)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			for _, s := range p.Secrets {
				if _, err := providers.ParseRef(s.Ref); err != nil {
					t.Errorf("%s: %s: %v", f, s.Name, err)
				}
			}
		}
	}
	if n < 4 {
		t.Errorf("found only %d configurations", n)
	}
}

var remoteRef = regexp.MustCompile(`^(vault|awssm|gcpsm|azkv)://`)

// The Kubernetes Deployments run secretrun as the container's command and carry references,
// not values, in their environment.
func TestKubernetes(t *testing.T) {
	for _, cloud := range []string{"eks", "gke", "aks"} {
		docs := documents(t, filepath.Join("kubernetes", cloud+".yaml"))
		kinds := map[string]bool{}
		refs := 0
		for _, d := range docs {
			kinds[d["kind"].(string)] = true
			if d["kind"] != "Deployment" {
				continue
			}
			spec := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			if spec["serviceAccountName"] != "api" {
				t.Errorf("%s: the pod does not use the annotated service account", cloud)
			}
			for _, c := range spec["containers"].([]any) {
				c := c.(map[string]any)
				cmd := c["command"].([]any)
				if cmd[0] != "secretrun" || cmd[len(cmd)-1] != "--" {
					t.Errorf("%s: command %v does not run secretrun --", cloud, cmd)
				}
				for _, e := range c["env"].([]any) {
					v, _ := e.(map[string]any)["value"].(string)
					if remoteRef.MatchString(v) {
						refs++
						if _, err := providers.ParseRef(v); err != nil {
							t.Errorf("%s: %s: %v", cloud, v, err)
						}
					}
				}
			}
		}
		if !kinds["ServiceAccount"] || !kinds["Deployment"] || refs < 2 {
			t.Errorf("%s: kinds %v, %d references", cloud, kinds, refs)
		}
	}
}

// The workflows ask for an OIDC token and use this repository's action at the version
// action.yml installs by default.
func TestGitHubWorkflows(t *testing.T) {
	var action struct {
		Inputs map[string]struct{ Default string }
	}
	data, _ := os.ReadFile("../action.yml")
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	want := "secretrun/secretrun@v" + action.Inputs["version"].Default
	for _, f := range []string{"vault-oidc.yml", "aws-oidc.yml"} {
		doc := documents(t, filepath.Join("github-actions", f))[0]
		if doc["permissions"].(map[string]any)["id-token"] != "write" {
			t.Errorf("%s: no id-token: write permission", f)
		}
		uses := false
		for _, job := range doc["jobs"].(map[string]any) {
			for _, s := range job.(map[string]any)["steps"].([]any) {
				if s.(map[string]any)["uses"] == want {
					uses = true
				}
			}
		}
		if !uses {
			t.Errorf("%s: no step uses %s", f, want)
		}
	}
	gl := documents(t, "gitlab-ci/.gitlab-ci.yml")[0]
	if _, ok := gl["integration"].(map[string]any)["id_tokens"]; !ok {
		t.Error(".gitlab-ci.yml: the integration job has no id_tokens")
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var entrypoint []string
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			if err := json.Unmarshal([]byte(rest), &entrypoint); err != nil {
				t.Fatalf("ENTRYPOINT is not an exec-form JSON array: %v", err)
			}
		}
	}
	if len(entrypoint) == 0 || entrypoint[0] != "secretrun" || entrypoint[len(entrypoint)-1] != "--" {
		t.Errorf("ENTRYPOINT %q", entrypoint)
	}
	for _, f := range []string{"docker/app.py", "docker/secretrun.yaml"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the Dockerfile copies %s: %v", f, err)
		}
	}
}

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// buildSecretrun builds the secretrun binary, once, for the command-line tests.
func buildSecretrun(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "secretrun-examples-"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "secretrun")
		build.out, build.err = exec.Command(gobin, "build", "-o", build.bin, "..").CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("go build: %v\n%s", build.err, build.out)
	}
	return build.bin
}

// install maps the paths the crontab and the unit use to this checkout: the demo's directory,
// the built binary and a log file in a temporary directory.
func install(t *testing.T, bin, line string) (string, string) {
	t.Helper()
	demo, err := filepath.Abs("demo")
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "demo.log")
	r := strings.NewReplacer("/opt/secretrun-demo", demo, "/usr/local/bin/secretrun", bin, "/var/log/secretrun-demo.log", logFile)
	return r.Replace(line), logFile
}

// checkDemoOutput checks that the demo ran with its secrets, masked.
func checkDemoOutput(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"app:          demo (dev)", "database:     ***", "as base64:    ***"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, value := range []string{"demo-db-pass-8c1f", "sk_test_demo_51HxQ2eLkdIwHu7ixeRTZq1", "demo-4f1c2a9e"} {
		if strings.Contains(out, value) {
			t.Errorf("output shows a secret value:\n%s", out)
		}
	}
}

func TestCrontabLineRuns(t *testing.T) {
	data, err := os.ReadFile("cron/crontab")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want one crontab entry, got %q", lines)
	}
	fields := strings.Fields(lines[0])
	if len(fields) < 6 {
		t.Fatalf("crontab entry %q", lines[0])
	}
	command := strings.Join(fields[5:], " ") // after minute, hour, day of month, month, day of week
	command, logFile := install(t, buildSecretrun(t), command)
	// cron runs the command with /bin/sh and a minimal environment.
	c := exec.Command("/bin/sh", "-c", command)
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "SHELL=/bin/sh"}
	if out, err := c.CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("crontab command failed: %v\n%s", err, out)
	}
	log, _ := os.ReadFile(logFile)
	checkDemoOutput(t, string(log))
}

func TestSystemdUnitRuns(t *testing.T) {
	data, err := os.ReadFile("systemd/secretrun-demo.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	section := ""
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[]")
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("bad unit line %q", l)
			}
			unit[section+"."+k] = append(unit[section+"."+k], v)
		}
	}
	for _, k := range []string{"Unit.Description", "Service.ExecStart", "Service.WorkingDirectory", "Install.WantedBy"} {
		if len(unit[k]) != 1 {
			t.Fatalf("%s: %q", k, unit[k])
		}
	}
	bin := buildSecretrun(t)
	execStart, _ := install(t, bin, unit["Service.ExecStart"][0])
	dir, _ := install(t, bin, unit["Service.WorkingDirectory"][0])
	argv := strings.Fields(execStart) // the line uses no quoting
	if !filepath.IsAbs(argv[0]) {
		t.Errorf("ExecStart %q: systemd wants an absolute path", argv[0])
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir = dir
	c.Env = []string{"PATH=/usr/bin:/bin"}
	c.Env = append(c.Env, unit["Service.Environment"]...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("ExecStart failed: %v\n%s", err, out)
	}
	checkDemoOutput(t, string(out))
}
