package sops

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secretrun/secretrun/providers"
)

// Format is one of the file formats sops writes.
type Format string

// The formats sops writes, by the names sops' --input-type takes.
const (
	YAML   Format = "yaml"
	JSON   Format = "json"
	Dotenv Format = "dotenv"
	INI    Format = "ini"
	Binary Format = "binary"
)

// byExtension maps file name extensions to formats, as sops itself picks them. sops treats any
// other extension as binary; secretrun asks for ?format= instead, so that a typo in a name does
// not silently read a YAML file as one opaque value.
var byExtension = map[string]Format{
	".yaml": YAML,
	".yml":  YAML,
	".json": JSON,
	".env":  Dotenv,
	".ini":  INI,
}

var formats = map[Format]bool{YAML: true, JSON: true, Dotenv: true, INI: true, Binary: true}

// formatOf returns the format of ref's file: the ?format= option, else the file name's extension.
// Its errors wrap providers.ErrInvalidRef and carry a hint.
func formatOf(ref providers.Ref) (Format, error) {
	if f := ref.Option("format"); f != "" {
		if !formats[Format(f)] {
			return "", providers.WithHint(fmt.Errorf("%w: unknown format %q", providers.ErrInvalidRef, f),
				"?format= takes %s", formatNames())
		}
		return Format(f), nil
	}
	ext := strings.ToLower(filepath.Ext(ref.Path))
	if f, ok := byExtension[ext]; ok {
		return f, nil
	}
	return "", providers.WithHint(
		fmt.Errorf("%w: cannot tell the format of %s from its name", providers.ErrInvalidRef, ref.Path),
		"name the file .yaml, .yml, .json, .env or .ini as sops does, or add ?format=yaml|json|dotenv|ini|binary")
}

func formatNames() string {
	names := make([]string, 0, len(formats))
	for f := range formats {
		names = append(names, string(f))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
