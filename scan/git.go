package scan

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Git runs git in Dir.
type Git struct {
	Dir string
}

func (g Git) command(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "git", args...)
	c.Dir = g.Dir
	return c
}

func (g Git) output(ctx context.Context, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	c := g.command(ctx, args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out, nil
}

// History scans every blob in the history: all refs, or with since, the commits reachable
// from HEAD and not from since (since..HEAD). Each blob is read once; a finding names the
// oldest commit that introduced the blob and the path it had there.
func (s *Scanner) History(ctx context.Context, g Git, since string) ([]Finding, error) {
	// rev-list --objects prints "ID PATH" for each blob (commits without a path).
	args := []string{"rev-list", "--objects", "--filter=object:type=blob"}
	if since != "" {
		if strings.HasPrefix(since, "-") {
			return nil, fmt.Errorf("--since %q is not a revision", since)
		}
		if _, err := g.output(ctx, "rev-parse", "--verify", "--quiet", since+"^{commit}"); err != nil {
			return nil, fmt.Errorf("--since %q: not a commit in this repository", since)
		}
		args = append(args, since+"..HEAD")
	} else {
		args = append(args, "--all")
	}
	list, err := g.output(ctx, args...)
	if err != nil {
		return nil, err
	}
	var blobs []blobRef
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		id, path, ok := strings.Cut(line, " ")
		if !ok || id == "" {
			continue // commits and trees listed without a path
		}
		blobs = append(blobs, blobRef{id: id, path: path})
	}
	var out []Finding
	err = s.readBlobs(ctx, g, blobs, func(b blobRef, data []byte) error {
		found := s.Content(b.path, "", data)
		if len(found) > 0 {
			commit, err := g.introducedBy(ctx, b.id, since)
			if err != nil {
				return err
			}
			for i := range found {
				found[i].Commit = commit
			}
			out = append(out, found...)
		}
		return nil
	})
	return out, err
}

type blobRef struct{ id, path string }

// readBlobs reads blobs through one `git cat-file --batch`.
func (s *Scanner) readBlobs(ctx context.Context, g Git, blobs []blobRef, each func(blobRef, []byte) error) error {
	if len(blobs) == 0 {
		return nil
	}
	c := g.command(ctx, "cat-file", "--batch")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	stdin, err := c.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, b := range blobs {
			fmt.Fprintln(w, b.id)
		}
		w.Flush()
		stdin.Close()
	}()
	r := bufio.NewReader(stdout)
	var firstErr error
	for _, b := range blobs {
		header, err := r.ReadString('\n')
		if err != nil {
			firstErr = fmt.Errorf("git cat-file: %w", err)
			break
		}
		f := strings.Fields(header)
		if len(f) != 3 {
			firstErr = fmt.Errorf("git cat-file: unexpected header %q", strings.TrimSpace(header))
			break
		}
		size, _ := strconv.ParseInt(f[2], 10, 64)
		if size > s.maxSize() {
			s.Skipped = append(s.Skipped, b.id[:min(len(b.id), 12)]+":"+b.path)
			if _, err := io.CopyN(io.Discard, r, size+1); err != nil {
				firstErr = err
				break
			}
			continue
		}
		data := make([]byte, size+1) // the content and a newline
		if _, err := io.ReadFull(r, data); err != nil {
			firstErr = fmt.Errorf("git cat-file: %w", err)
			break
		}
		if err := each(b, data[:size]); err != nil {
			firstErr = err
			break
		}
	}
	if firstErr != nil {
		_ = c.Process.Kill()
	}
	io.Copy(io.Discard, r)
	if err := c.Wait(); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("git cat-file: %s", strings.TrimSpace(stderr.String()))
	}
	return firstErr
}

// introducedBy returns the short id of the oldest commit (within since..HEAD when since is
// given) whose diff adds or removes blob.
func (g Git) introducedBy(ctx context.Context, blob, since string) (string, error) {
	args := []string{"log", "--reverse", "--format=%h", "--find-object=" + blob}
	if since != "" {
		args = append(args, since+"..HEAD")
	} else {
		args = append(args, "--all")
	}
	out, err := g.output(ctx, args...)
	if err != nil {
		return "", err
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return first, nil
}

// Staged scans the content of the files staged in the index (added, copied, modified or
// renamed), which is what a pre-commit check must look at: not the working tree. Unlike Paths
// it reads every staged file, including the secrets' own source files: committing one is the
// leak to catch.
func (s *Scanner) Staged(ctx context.Context, g Git) ([]Finding, error) {
	out, err := g.output(ctx, "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR")
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			paths = append(paths, p) // Skip does not apply: committing a source file is a leak
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	// The blob id of each staged path: ls-files -s prints "MODE ID STAGE\tPATH".
	ls, err := g.output(ctx, append([]string{"ls-files", "-s", "-z", "--"}, paths...)...)
	if err != nil {
		return nil, err
	}
	var blobs []blobRef
	for _, e := range strings.Split(string(ls), "\x00") {
		meta, path, ok := strings.Cut(e, "\t")
		if f := strings.Fields(meta); ok && len(f) == 3 && f[0] != "160000" { // not submodules
			blobs = append(blobs, blobRef{id: f[1], path: path})
		}
	}
	var found []Finding
	err = s.readBlobs(ctx, g, blobs, func(b blobRef, data []byte) error {
		found = append(found, s.Content(b.path, "", data)...)
		return nil
	})
	return found, err
}
