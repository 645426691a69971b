package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// WriteText prints one line per finding: PATH:LINE:COLUMN: NAME (PATH: NAME ... path for a
// value in the path), with COMMIT: in front for history findings. Never a value: a value in
// PATH is masked.
func WriteText(w io.Writer, findings []Finding) error {
	var b strings.Builder
	for _, f := range findings {
		if f.Commit != "" {
			b.WriteString(f.Commit + ":")
		}
		if f.InPath {
			fmt.Fprintf(&b, "%s: the value of %s is in the path\n", f.Path, f.Name)
			continue
		}
		fmt.Fprintf(&b, "%s:%d:%d: the value of %s\n", f.Path, f.Line, f.Col, f.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RuleID is the SARIF rule every finding reports.
const RuleID = "secretrun/secret-value"

// Tool describes the scanner in SARIF output.
type Tool struct {
	Version string
	Profile string
}

// WriteSARIF writes findings as a SARIF 2.1.0 log, the format GitHub code scanning and other
// tools read. Messages name the variable and the profile; no snippet or value is included.
func WriteSARIF(w io.Writer, tool Tool, findings []Finding) error {
	results := make([]sarifResult, 0, len(findings))
	for _, f := range findings {
		where := "this file"
		var region *sarifRegion
		if f.InPath {
			where = "this file's path"
		} else {
			region = &sarifRegion{StartLine: f.Line, StartColumn: f.Col, EndLine: f.EndLine, EndColumn: f.EndCol}
		}
		msg := fmt.Sprintf("The value of secret %s (secretrun profile %s) is in %s.", f.Name, tool.Profile, where)
		var props map[string]string
		if f.Commit != "" {
			msg = fmt.Sprintf("The value of secret %s (secretrun profile %s) is in %s as of commit %s.", f.Name, tool.Profile, where, f.Commit)
			props = map[string]string{"commit": f.Commit}
		}
		results = append(results, sarifResult{
			RuleID:  RuleID,
			Level:   "error",
			Message: sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: (&url.URL{Path: f.Path}).String()},
				Region:           region,
			}}},
			Properties: props,
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "secretrun",
				InformationURI: "https://github.com/secretrun/secretrun",
				Version:        tool.Version,
				Rules: []sarifRule{{
					ID:               RuleID,
					Name:             "SecretValueInFile",
					ShortDescription: sarifText{Text: "A secret value of the secretrun profile is written in a file"},
					FullDescription: sarifText{Text: "The resolved value of one of the profile's secrets, raw or in an encoded form " +
						"(JSON- or shell-escaped, URL- or base64-encoded), is in a file or in git history."},
					Help: sarifText{Text: "Remove the value, rotate the secret (it must be considered leaked once committed), " +
						"and reference it instead: secretrun resolves references at run time."},
					DefaultConfiguration: sarifConfig{Level: "error"},
				}},
			}},
			ColumnKind: "unicodeCodePoints",
			Results:    results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	ShortDescription     sarifText   `json:"shortDescription"`
	FullDescription      sarifText   `json:"fullDescription"`
	Help                 sarifText   `json:"help"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string            `json:"ruleId"`
	Level      string            `json:"level"`
	Message    sarifText         `json:"message"`
	Locations  []sarifLocation   `json:"locations"`
	Properties map[string]string `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}
