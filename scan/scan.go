package scan

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/secretrun/secretrun/redact"
)

// Secret is one variable to look for: its name and the matcher of its forms.
type Secret struct {
	Name    string
	Matcher *redact.Matcher
}

// Finding is one place a secret's value occurs. Line and column are 1-based; columns count
// Unicode code points (an invalid UTF-8 byte counts as one); End is exclusive.
type Finding struct {
	Name      string // the variable
	Path      string // slash-separated, relative to where the scan started when it can be; a value in it is masked
	Commit    string // the commit that introduced the content, for history findings
	InPath    bool   // the value is in the file's path (name or directory), not its content: Line is 0
	Line, Col int
	EndLine   int
	EndCol    int
}

// Scanner looks for its secrets' values in content.
type Scanner struct {
	Secrets []Secret
	// Skip reports paths not to read: the files the secrets come from (a dotenv:// file holds
	// the values by design).
	Skip func(path string) bool
	// MaxSize is the largest file read (0: 64 MiB); larger files are reported in Skipped.
	MaxSize int64
	// Skipped collects paths left out because of MaxSize, for a warning.
	Skipped []string
}

// Content returns the findings in data, in order of position then name: first those in path
// itself (a value in a file or directory name), then those in the content. The findings' Path
// is path with every value in it masked, since reports are printed and uploaded.
func (s *Scanner) Content(path, commit string, data []byte) []Finding {
	var out []Finding
	shown := s.MaskPath(path)
	for _, sec := range s.Secrets {
		if len(sec.Matcher.Find([]byte(path))) > 0 {
			out = append(out, Finding{Name: sec.Name, Path: shown, Commit: commit, InPath: true})
		}
	}
	var lines *lineIndex
	for _, sec := range s.Secrets {
		for _, r := range sec.Matcher.Find(data) {
			if lines == nil {
				lines = newLineIndex(data)
			}
			l, c := lines.position(r.Start)
			el, ec := lines.position(r.End)
			out = append(out, Finding{Name: sec.Name, Path: shown, Commit: commit, Line: l, Col: c, EndLine: el, EndCol: ec})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Name < b.Name
	})
	return out
}

// MaskPath returns path with every region where a secret's value occurs replaced by ***.
func (s *Scanner) MaskPath(path string) string {
	masked := make([]bool, len(path))
	found := false
	for _, sec := range s.Secrets {
		for _, r := range sec.Matcher.Find([]byte(path)) {
			for i := r.Start; i < r.End; i++ {
				masked[i] = true
			}
			found = true
		}
	}
	if !found {
		return path
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if !masked[i] {
			b.WriteByte(path[i])
			continue
		}
		b.WriteString("***")
		for i+1 < len(path) && masked[i+1] {
			i++
		}
	}
	return b.String()
}

func (s *Scanner) maxSize() int64 {
	if s.MaxSize > 0 {
		return s.MaxSize
	}
	return 64 << 20
}

// Paths scans files and directories (recursively; .git directories and symbolic links are not
// followed). A path that does not exist is an error.
func (s *Scanner) Paths(paths []string) ([]Finding, error) {
	var out []Finding
	for _, root := range paths {
		info, err := os.Lstat(root)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			fs, err := s.file(root, info)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".git" && p != root {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // symbolic links, devices, sockets
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			fs, err := s.file(p, info)
			out = append(out, fs...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Scanner) file(p string, info fs.FileInfo) ([]Finding, error) {
	if !info.Mode().IsRegular() || (s.Skip != nil && s.Skip(p)) {
		return nil, nil
	}
	if info.Size() > s.maxSize() {
		s.Skipped = append(s.Skipped, s.MaskPath(p))
		return nil, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return s.Content(filepath.ToSlash(p), "", data), nil
}

// lineIndex converts byte offsets to line and column.
type lineIndex struct {
	data   []byte
	starts []int // offset of each line's first byte
}

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{data: data, starts: []int{0}}
	for i, b := range data {
		if b == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

// position returns the 1-based line and code-point column of offset off.
func (li *lineIndex) position(off int) (int, int) {
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return i + 1, utf8.RuneCount(li.data[li.starts[i]:off]) + 1
}
