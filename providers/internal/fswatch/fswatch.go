// Package fswatch tells when local files may have changed, from filesystem events (inotify on
// Linux, kqueue on macOS and the BSDs, through github.com/fsnotify/fsnotify). It serves the
// Notify of the file:// and dotenv:// providers (providers.Notifier).
//
// It watches the directory that holds each file rather than the file: a file replaced by a
// rename (editors, atomic writers, `mv`) is a new inode, which a watch on the old one would never
// report. A change is reported when a watched file's name is written, created (a rename onto it
// included), removed or renamed away. In a Kubernetes secret or configMap volume the visible
// files are symlinks through `..data`, and an update swaps `..data` atomically (`..data_tmp`
// renamed onto it) without touching the visible names: any event on a name starting with ".."
// in a file's directory therefore reports every watched file of that directory. A file that is
// itself a symlink is also watched at its target's directory, re-resolved after each event.
//
// Reports may be spurious or repeated (an editor's save is several events); the caller compares
// contents before acting. Attribute-only events (chmod, touch) are not reported.
package fswatch

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fsnotify/fsnotify"

	"github.com/secretrun/secretrun/providers"
)

// Notify implements providers.Notifier for a provider whose refs name local files: path maps a
// ref to its file, and changed receives the refs whose file may have changed. See [Watch].
func Notify(ctx context.Context, refs []providers.Ref, path func(providers.Ref) string, changed func([]providers.Ref)) error {
	byPath := make(map[string][]providers.Ref)
	var paths []string
	for _, r := range refs {
		p := path(r)
		if _, ok := byPath[p]; !ok {
			paths = append(paths, p)
		}
		byPath[p] = append(byPath[p], r)
	}
	return Watch(ctx, paths, func(ps []string) {
		var out []providers.Ref
		for _, p := range ps {
			out = append(out, byPath[p]...)
		}
		changed(out)
	})
}

// Watch watches paths until ctx is done and calls changed with the paths (as given) that may
// have changed. changed is called from one goroutine, one call at a time. Watch returns once
// every directory is watched, or an error naming the one that could not be (then nothing is
// watched). When ctx is done the watch is closed and its goroutines end.
func Watch(ctx context.Context, paths []string, changed func([]string)) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("cannot watch files: %w", err)
	}
	w := &watch{fw: fw, names: map[string][]string{}, dirPaths: map[string][]string{}, dirs: map[string]bool{}, abs: map[string]string{}}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			_ = fw.Close()
			return fmt.Errorf("cannot watch %s: %w", p, err)
		}
		w.abs[p] = abs
		dir := filepath.Dir(abs)
		w.dirPaths[dir] = append(w.dirPaths[dir], p)
		w.all = append(w.all, p)
		if err := w.add(abs, p); err != nil {
			_ = fw.Close()
			return err
		}
		w.follow(abs, p)
	}
	go w.run(ctx, changed)
	return nil
}

// watch is one Watch's state. Only its run goroutine uses it after Watch returns.
type watch struct {
	fw *fsnotify.Watcher
	// names maps a watched name (an absolute path: the file, or a symlink's target) to the paths
	// it stands for.
	names map[string][]string
	// dirPaths maps a directory to the paths that live in it (not their symlinks' targets).
	dirPaths map[string][]string
	dirs     map[string]bool   // watched directories
	abs      map[string]string // path as given -> absolute path
	all      []string
}

// add watches name's directory, if not yet, and records that events on name concern p.
func (w *watch) add(name, p string) error {
	dir := filepath.Dir(name)
	if !w.dirs[dir] {
		if err := w.fw.Add(dir); err != nil {
			return fmt.Errorf("cannot watch directory %s: %w", dir, err)
		}
		w.dirs[dir] = true
	}
	if !slices.Contains(w.names[name], p) {
		w.names[name] = append(w.names[name], p)
	}
	return nil
}

// follow watches the final target of abs, when abs is a symlink, at its directory too. A
// missing target or a directory that cannot be watched is skipped: the link's own directory is
// still watched.
func (w *watch) follow(abs, p string) {
	target, err := filepath.EvalSymlinks(abs)
	if err != nil || target == abs {
		return
	}
	_ = w.add(target, p)
}

func (w *watch) run(ctx context.Context, changed func([]string)) {
	defer w.fw.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if hit := w.affected(ev); len(hit) > 0 {
				for _, p := range hit {
					w.follow(w.abs[p], p)
				}
				changed(hit)
			}
		case _, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			// An overflow (or any read error) may have lost events: every file may have changed.
			changed(slices.Clone(w.all))
		}
	}
}

// affected returns the paths an event may concern, each once.
func (w *watch) affected(ev fsnotify.Event) []string {
	if ev.Op == fsnotify.Chmod {
		return nil // attributes only: the content did not change
	}
	name := filepath.Clean(ev.Name)
	hit := slices.Clone(w.names[name])
	if strings.HasPrefix(filepath.Base(name), "..") {
		hit = append(hit, w.dirPaths[filepath.Dir(name)]...) // Kubernetes' ..data swap
	}
	if w.dirs[name] && ev.Has(fsnotify.Remove|fsnotify.Rename) {
		// A watched directory went away, and the files in it. A symlink target's directory is
		// watched again when the link resolves into it again (follow, after each event); a
		// file's own directory is not (its parent is not watched): the watcher keeps the last
		// values.
		delete(w.dirs, name)
		_ = w.fw.Remove(name)
		hit = append(hit, w.dirPaths[name]...)
		for n, ps := range w.names {
			if filepath.Dir(n) == name {
				hit = append(hit, ps...)
				delete(w.names, n) // follow records the name again if a link leads back
			}
		}
	}
	slices.Sort(hit)
	return slices.Compact(hit)
}
