package inject

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Rewrite gives the secret file of variable name the new content value, at the path the child
// already knows, for the `on_change: signal:NAME` action: call it before the signal, so that a
// program reloading on the signal reads the new value.
//
//   - A memory file (FilesOptions.Rewritable) is rewritten in place: the new bytes over the old
//     ones, then the size cut to the new length. A read that overlaps the rewrite (it takes
//     microseconds) may see a mix of the two; a read after it, on the signal, sees the new
//     content. Without Rewritable the file is sealed and Rewrite fails.
//   - A directory file is replaced atomically: the new content is written to a temporary file
//     in the same private directory (mode 0600), which is then renamed over the old one. Opening
//     the path gives the old content or the new one, never a mix; a descriptor the child kept
//     open goes on reading the old content.
//
// Its errors name the variable, never the value.
func (f *SecretFiles) Rewrite(name, value string) error {
	if f.dir != "" {
		return f.replaceInDir(name, value)
	}
	i := slices.Index(f.names, name)
	if i < 0 {
		return fmt.Errorf("%s: no such secret file", name)
	}
	if !f.rewritable {
		return fmt.Errorf("%s: its memory file is sealed (the secret files were not made rewritable)", name)
	}
	if err := rewriteMemfd(f.files[i], value); err != nil {
		return fmt.Errorf("%s: cannot rewrite its memory file: %w", name, err)
	}
	return nil
}

// replaceInDir writes value to a temporary file next to the secret file of name and renames it
// over that file.
func (f *SecretFiles) replaceInDir(name, value string) (err error) {
	p := filepath.Join(f.dir, name)
	if _, err := os.Lstat(p); err != nil {
		return fmt.Errorf("%s: no such secret file", name)
	}
	tmp, err := os.CreateTemp(f.dir, "."+name+".new-") // mode 0600
	if err != nil {
		return fmt.Errorf("%s: cannot write its new secret file: %w", name, describeFSError(err))
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.WriteString(value); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: cannot write its new secret file: %w", name, describeFSError(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: cannot write its new secret file: %w", name, describeFSError(err))
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("%s: cannot replace its secret file: %w", name, describeFSError(err))
	}
	return nil
}
