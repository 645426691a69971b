package cmd

import (
	"bytes"
	"fmt"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/render"
)

// renderFiles writes the profile's whole-profile files (`files:`) into the private secret-files
// directory, creating it in *files when needed, and returns one variable per file holding its
// path. The files follow the `as: file` rules: private, memory-only, removed when the child
// exits. A file's variables are the profile's env values and resolved secrets (an optional
// secret that was not found is left out); errors name the file's variable, never a value.
func (a *app) renderFiles(p *plan, results []inject.Result, files **inject.SecretFiles) ([]inject.Var, error) {
	if p.profile == nil || len(p.profile.Files) == 0 {
		return nil, nil
	}
	var all []render.Var
	for _, e := range p.profile.Env {
		all = append(all, render.Var{Name: e.Name, Value: e.Value})
	}
	for _, r := range results {
		if r.Err == nil && !r.Skipped {
			all = append(all, render.Var{Name: r.Name, Value: r.Secret.Reveal()})
		}
	}
	var out []inject.Var
	for _, f := range p.profile.Files {
		content, err := renderFile(f, all)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: files.%s: %w", p.cfg.Path, f.Line, f.Name, err)
		}
		if *files == nil {
			if *files, err = a.newSecretFiles(p); err != nil {
				return nil, fmt.Errorf("files.%s: %w", f.Name, err)
			}
		}
		path, err := (*files).Write(f.Name, string(content))
		if err != nil {
			return nil, err
		}
		out = append(out, inject.Var{Name: f.Name, Value: path})
	}
	return out, nil
}

// renderFile renders one file from the profile's variables: those f includes, in its order, or
// all of them.
func renderFile(f config.FileSpec, all []render.Var) ([]byte, error) {
	vars := all
	if f.Include != nil {
		byName := map[string]render.Var{}
		for _, v := range all {
			byName[v.Name] = v
		}
		vars = nil
		for _, name := range f.Include {
			if v, ok := byName[name]; ok {
				vars = append(vars, v)
			}
		}
	}
	if f.Format == config.FileTemplate {
		return render.Template("files."+f.Name, f.Template, vars)
	}
	var b bytes.Buffer
	if err := render.Write(&b, f.Format, vars); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
