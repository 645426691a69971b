package scan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/redact"
)

func secret(name, value string) Secret {
	m, _ := redact.Compile([]redact.Secret{{Name: name, Value: value}}, redact.Options{})
	return Secret{Name: name, Matcher: m}
}

func TestContentPositions(t *testing.T) {
	s := &Scanner{Secrets: []Secret{secret("A", "CANARY-aaaa-1"), secret("B", "line-one-CANARY\nline-two-CANARY")}}
	data := []byte("x\x00\xff CANARY-aaaa-1\n" + // binary bytes before: each counts as one column
		"ünïcode CANARY-aaaa-1 twice CANARY-aaaa-1\n" +
		"key: line-one-CANARY\nline-two-CANARY end\n" +
		`json: "Q0FOQVJZLWFhYWEtMQ=="` + "\n")
	got := s.Content("f.txt", "", data)
	want := []Finding{
		{Name: "A", Path: "f.txt", Line: 1, Col: 5, EndLine: 1, EndCol: 18},
		{Name: "A", Path: "f.txt", Line: 2, Col: 9, EndLine: 2, EndCol: 22},
		{Name: "A", Path: "f.txt", Line: 2, Col: 29, EndLine: 2, EndCol: 42},
		{Name: "B", Path: "f.txt", Line: 3, Col: 6, EndLine: 4, EndCol: 16},
		{Name: "A", Path: "f.txt", Line: 5, Col: 8, EndLine: 5, EndCol: 25},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestPathsSkips(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	write("a.txt", "CANARY-aaaa-1\n")
	write(".git/objects/x", "CANARY-aaaa-1\n")
	write(".env", "A=CANARY-aaaa-1\n")
	write("big.bin", strings.Repeat("x", 100)+"CANARY-aaaa-1")
	os.Symlink(filepath.Join(dir, "a.txt"), filepath.Join(dir, "link.txt"))
	s := &Scanner{
		Secrets: []Secret{secret("A", "CANARY-aaaa-1")},
		Skip:    func(p string) bool { return filepath.Base(p) == ".env" },
		MaxSize: 50,
	}
	got, err := s.Paths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path != filepath.ToSlash(filepath.Join(dir, "a.txt")) {
		t.Errorf("findings %+v, want a.txt only", got)
	}
	if len(s.Skipped) != 1 || !strings.HasSuffix(s.Skipped[0], "big.bin") {
		t.Errorf("skipped %q", s.Skipped)
	}
}

func TestSARIF(t *testing.T) {
	var b bytes.Buffer
	err := WriteSARIF(&b, Tool{Version: "1.2.3", Profile: "dev"}, []Finding{
		{Name: "A", Path: "dir with space/f.txt", Line: 2, Col: 3, EndLine: 2, EndCol: 9},
		{Name: "B", Path: "old.txt", Commit: "abc1234", Line: 1, Col: 1, EndLine: 1, EndCol: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
				Properties map[string]string
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || run.Tool.Driver.Name != "secretrun" || run.Tool.Driver.Rules[0].ID != RuleID || len(run.Results) != 2 {
		t.Fatalf("log: %s", b.String())
	}
	loc := run.Results[0].Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "dir%20with%20space/f.txt" || loc.Region.StartLine != 2 || loc.Region.StartColumn != 3 {
		t.Errorf("location %+v", loc)
	}
	if run.Results[1].Properties["commit"] != "abc1234" {
		t.Errorf("history result: %+v", run.Results[1])
	}
}

// A value in a file's or a directory's name is a finding, and no report shows it: the path is
// printed with the value masked, in text and in SARIF.
func TestValueInPath(t *testing.T) {
	const canary = "CANARY-in-path-77"
	dir := t.TempDir()
	sub := filepath.Join(dir, "cache-"+canary)
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "clean.txt"), []byte("nothing here\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "f-"+canary+".txt"), []byte("x="+canary+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "big-"+canary), []byte(strings.Repeat("x", 100)), 0o644)
	s := &Scanner{Secrets: []Secret{secret("A", canary)}, MaxSize: 50}
	got, err := s.Paths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var inPath, inContent int
	for _, f := range got {
		if f.InPath {
			inPath++
		} else {
			inContent++
		}
	}
	if inPath != 2 || inContent != 1 {
		t.Errorf("got %d path and %d content findings, want 2 and 1: %+v", inPath, inContent, got)
	}
	var text, sarif bytes.Buffer
	if err := WriteText(&text, got); err != nil {
		t.Fatal(err)
	}
	if err := WriteSARIF(&sarif, Tool{Profile: "p"}, got); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "sarif": sarif.String(), "skipped": strings.Join(s.Skipped, "\n")} {
		if strings.Contains(out, "CANARY-in") {
			t.Errorf("%s output shows the value:\n%s", name, out)
		}
	}
	if !strings.Contains(text.String(), "cache-***/clean.txt: the value of A is in the path\n") {
		t.Errorf("text output:\n%s", text.String())
	}
	if len(s.Skipped) != 1 || !strings.HasSuffix(s.Skipped[0], "big-***") {
		t.Errorf("Skipped = %q", s.Skipped)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						Region *struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	regions := 0
	for _, r := range log.Runs[0].Results {
		if reg := r.Locations[0].PhysicalLocation.Region; reg != nil {
			regions++
			if reg.StartLine < 1 {
				t.Errorf("SARIF region with startLine %d", reg.StartLine)
			}
		}
	}
	if regions != 1 {
		t.Errorf("SARIF has %d regions, want 1 (path findings have none)", regions)
	}
}
