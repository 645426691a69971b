package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// touch creates the files (and their directories) under root.
func touch(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("version: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Each source wins over the ones after it.
func TestFindOrder(t *testing.T) {
	root := t.TempDir()
	touch(t, root,
		"explicit.yaml",
		"env.yaml",
		"repo/secretrun.yaml",
		"repo/.secretrun.yaml",
		"repo/svc/.secretrun.yaml",
		"repo/svc/api/secretrun.yaml",
		"xdg/secretrun/config.yaml",
		"home/.config/secretrun/config.yaml",
	)
	os.MkdirAll(filepath.Join(root, "repo/svc/api/deep"), 0o755)
	os.MkdirAll(filepath.Join(root, "elsewhere"), 0o755)
	r := func(p string) string { return filepath.Join(root, p) }
	all := FindOptions{
		Explicit:      r("explicit.yaml"),
		Env:           r("env.yaml"),
		Dir:           r("repo/svc/api/deep"),
		XDGConfigHome: r("xdg"),
		Home:          r("home"),
	}
	tests := []struct {
		name string
		edit func(o *FindOptions)
		want string
	}{
		{"--config wins over everything", func(o *FindOptions) {}, "explicit.yaml"},
		{"then $SECRETRUN_CONFIG", func(o *FindOptions) { o.Explicit = "" }, "env.yaml"},
		{"then the nearest parent directory", func(o *FindOptions) { o.Explicit, o.Env = "", "" }, "repo/svc/api/secretrun.yaml"},
		{"the start directory itself", func(o *FindOptions) { o.Explicit, o.Env, o.Dir = "", "", r("repo/svc/api") }, "repo/svc/api/secretrun.yaml"},
		{".secretrun.yaml", func(o *FindOptions) { o.Explicit, o.Env, o.Dir = "", "", r("repo/svc") }, "repo/svc/.secretrun.yaml"},
		{"secretrun.yaml before .secretrun.yaml", func(o *FindOptions) { o.Explicit, o.Env, o.Dir = "", "", r("repo") }, "repo/secretrun.yaml"},
		{"then $XDG_CONFIG_HOME", func(o *FindOptions) { o.Explicit, o.Env, o.Dir = "", "", r("elsewhere") }, "xdg/secretrun/config.yaml"},
		{"then $HOME/.config", func(o *FindOptions) { o.Explicit, o.Env, o.Dir, o.XDGConfigHome = "", "", r("elsewhere"), "" }, "home/.config/secretrun/config.yaml"},
		{"a relative $XDG_CONFIG_HOME is ignored", func(o *FindOptions) { o.Explicit, o.Env, o.Dir, o.XDGConfigHome = "", "", r("elsewhere"), "xdg" }, "home/.config/secretrun/config.yaml"},
		{"nothing found is not an error", func(o *FindOptions) { *o = FindOptions{Dir: r("elsewhere")} }, ""},
		{"relative --config is taken from Dir", func(o *FindOptions) { o.Explicit, o.Dir = "../../../../explicit.yaml", r("repo/svc/api/deep") }, "explicit.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := all
			tt.edit(&o)
			got, err := Find(o)
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if tt.want != "" {
				want = r(tt.want)
			}
			if filepath.Clean(got) != filepath.Clean(want) || (want == "" && got != "") {
				t.Errorf("Find = %q, want %q", got, want)
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	root := t.TempDir()
	touch(t, root, "repo/secretrun.yaml")
	os.MkdirAll(filepath.Join(root, "adir"), 0o755)
	tests := []struct {
		name string
		opts FindOptions
		want string
	}{
		{"missing --config", FindOptions{Explicit: filepath.Join(root, "nope.yaml"), Dir: filepath.Join(root, "repo")},
			"nope.yaml: configuration named by --config does not exist"},
		{"missing $SECRETRUN_CONFIG", FindOptions{Env: filepath.Join(root, "nope.yaml"), Dir: filepath.Join(root, "repo")},
			"nope.yaml: configuration named by SECRETRUN_CONFIG does not exist"},
		{"--config is a directory", FindOptions{Explicit: filepath.Join(root, "adir")},
			"adir: configuration named by --config: is a directory, not a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.opts)
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) || len(Errors(err)) != 1 {
				t.Errorf("Find = %q, %v; want error ending %q", got, err, tt.want)
			}
		})
	}
}

// Find and Load together: the file found is the file loaded.
func TestFindThenLoad(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, ".secretrun.yaml"), []byte("profiles:\n  dev:\n    env: {A: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := Find(FindOptions{Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.Profiles["dev"] == nil {
		t.Errorf("got %+v", c)
	}
}

// Places names, in order, every place the search looks at, so that "nothing found" can list them.
func TestFindPlaces(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts FindOptions
		want []string
	}{
		{"directory walk then XDG", FindOptions{Dir: "/srv/app", XDGConfigHome: "/xdg", Home: "/home/u"}, []string{
			"secretrun.yaml or .secretrun.yaml in /srv/app",
			"secretrun.yaml or .secretrun.yaml in /srv",
			"secretrun.yaml or .secretrun.yaml in /",
			"/xdg/secretrun/config.yaml",
		}},
		{"relative XDG falls back to HOME", FindOptions{Dir: "/", XDGConfigHome: "rel", Home: "/home/u"}, []string{
			"secretrun.yaml or .secretrun.yaml in /",
			"/home/u/.config/secretrun/config.yaml",
		}},
		{"nothing known", FindOptions{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opts.Places(); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Places() = %q, want %q", got, tt.want)
			}
		})
	}
}
