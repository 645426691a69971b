package sops

// The tree a sops file is read into: the same shape as sops' own (github.com/getsops/sops/v3's
// TreeBranch, TreeItem and Comment), which secretrun does not link (see docs/providers/sops.md:
// sops' root package imports its audit package, whose init runs at every start). The
// differential tests convert it to sops' types and compare.

// comment is a comment line kept in the tree where the file has it: sops encrypts comments, and
// its comment regexes decide which values are encrypted, so they take part in the walk.
type comment struct {
	Value  string
	Inline bool
}

// treeItem is one entry of a mapping: Key is a string, or a comment (with a nil Value).
type treeItem struct {
	Key   any
	Value any
}

// treeBranch is a mapping, in file order. Values are treeBranch, []any (a list, which may hold
// comments), string, int, float64, bool, time.Time, []byte, comment or nil.
type treeBranch []treeItem

// treeBranches is a file's documents (several only for a multi-document YAML stream).
type treeBranches []treeBranch
