package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/validate"
	"github.com/secretrun/secretrun/watch"
)

// checkRow is one line of `secretrun check`: never a value.
type checkRow struct {
	Name     string `json:"name"`
	Ref      string `json:"ref"`
	Provider string `json:"provider"`
	Status   string `json:"status"` // ok, skipped (optional, not found), error, invalid (failed validation)
	Version  string `json:"version,omitempty"`
	Millis   int64  `json:"fetch_ms"`
	Error    string `json:"error,omitempty"`
	Hint     string `json:"hint,omitempty"`
	Origin   string `json:"origin,omitempty"`
	// Validation lists the rules the value fails (docs/validation.md); Warnings, its warnings.
	Validation []validate.Failure `json:"validation,omitempty"`
	Warnings   []validate.Warning `json:"warnings,omitempty"`
	// Fallback is the profile's fallback snapshot, when it has one (docs/fallback.md).
	Fallback *snapshotReport `json:"fallback,omitempty"`
	// Fake is set under --fake: the value was made up (validate.Faker), not fetched.
	Fake bool `json:"fake,omitempty"`
	// Created is when the store created the resolved version, AgeSeconds the age now; both
	// absent when the store keeps no creation time (docs/rotation.md).
	Created    *time.Time `json:"created,omitempty"`
	AgeSeconds *int64     `json:"age_seconds,omitempty"`
	Owner      string     `json:"owner,omitempty"`
	// RotateEvery is the policy as written in days (90d), Overdue whether the age is past it.
	RotateEvery string `json:"rotate_every,omitempty"`
	Overdue     bool   `json:"overdue"`
	// Watch is how the secret would be watched with watching on (watchflags.go), else "".
	Watch string `json:"watch,omitempty"`
}

func newCheckCommand(a *app) *cobra.Command {
	var asJSON, strictRotation bool
	c := &cobra.Command{
		Use:   "check [-p NAME] [--json] [--strict-rotation]",
		Short: "Resolve every reference and print NAME / ref / status, never a value",
		Long: `Resolve every reference of the profile (and --env-file, and inherited references)
and print, for each variable, its reference, provider, status, resolved version and fetch
time, the age of its current version where the store keeps a creation time, and the
validation rules its value fails. Values are never printed. Exits 0 when every required
secret resolved and passed its rules, 125 otherwise.

A secret past its rotate_every is a warning; with --strict-rotation it fails the check with
exit status 1, as does a secret of the profile without owner or rotate_every, or with
rotate_every but no known age (docs/rotation.md).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			p, err := a.loadSecrets()
			if err != nil {
				return err
			}
			defer a.closeProviders(p)
			ws, err := a.watchSettings(p) // watchflags.go
			if err != nil {
				return err
			}
			p.noFallback = true                     // check reports the snapshot, never uses it
			au, err := a.openAudit(p, "check", nil) // audit.go
			if err != nil {
				return err
			}
			defer au.close()
			results, _, resolveErr := a.resolve(c.Context(), p)
			if err := au.fetched(p, results, resolveErr); err != nil {
				return err
			}
			if ce := (*confirmError)(nil); errors.As(resolveErr, &ce) {
				return resolveErr // a protected profile not confirmed: nothing was fetched
			}
			failures, warnings, validateErr := a.checkValues(p, results)
			snap := a.snapshotStatus(c.Context(), p)
			au.validationFailed(validateErr)
			if !a.opts.fake { // --fake opens no provider (fake.go)
				a.fillCreated(c.Context(), p, results)
			}
			now := time.Now()
			rows := make([]checkRow, len(results))
			rots := make([]rotation, len(results))
			modes := make([]string, len(results))
			watched := map[string]watch.PlanEntry{} // by variable: how it is watched (watch.go)
			for _, e := range a.watchPlan(p, results, ws) {
				watched[e.Name] = e
			}
			for i, r := range results {
				row := checkRow{Name: r.Name, Ref: inject.DisplayRef(r.Request.Ref, p.registry), Provider: r.Parsed.Scheme, Status: "ok",
					Version: r.Secret.Version, Millis: r.Elapsed.Milliseconds(), Origin: r.Origin, Fallback: snap.row(r)}
				if r.Err != nil {
					row.Status = "error"
					if r.Skipped {
						row.Status = "skipped"
					}
					row.Error = a.ui().mask(leafText(r.Err))
					row.Hint = a.ui().mask(providers.Hint(r.Err))
				}
				if a.opts.fake && r.Err == nil {
					row.Status, row.Fake, row.Version = "fake", true, ""
				}
				if row.Validation, row.Warnings = failures[i], warnings[i]; len(row.Validation) > 0 {
					row.Status = "invalid"
				}
				pol := p.requests[i].policy
				row.Owner = pol.owner
				if pol.every > 0 {
					row.RotateEvery = formatPeriod(pol.every)
				}
				if r.Err == nil {
					rots[i] = ageOf(pol, r.Secret.Created, now)
					if c := rots[i].created; !c.IsZero() {
						c = c.UTC()
						secs := int64(rots[i].age / time.Second)
						row.Created, row.AgeSeconds = &c, &secs
					}
					row.Overdue = rots[i].overdue > 0
				}
				if ws.Enabled && r.Err == nil {
					modes[i] = watched[r.Name].Mode
					row.Watch = modes[i]
				}
				rows[i] = row
			}
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rows); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tREF\tPROVIDER\tSTATUS\tVERSION\tAGE\tTIME")
				for _, r := range rows {
					status := r.Status
					if r.Error != "" {
						status += ": " + r.Error
					}
					status += validationText(r.Validation, r.Warnings)
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Ref, r.Provider, status, dash(r.Version),
						ageColumn(r), (time.Duration(r.Millis) * time.Millisecond).String())
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				for _, line := range importSummary(p) { // imports.go
					fmt.Fprintln(out, line)
				}
				if snap != nil {
					fmt.Fprintln(out, snap)
				}
				if line := ws.summary(modes); line != "" {
					fmt.Fprintln(out, line)
					if err := printWatchPlan(out, p, watched, results); err != nil {
						return err
					}
				}
			}
			rotationErr := a.checkRotation(p, results, rots, strictRotation)
			if err := errors.Join(resolveErr, validateErr); err != nil {
				return withStatus(ExitUsage, errors.Join(err, rotationErr))
			}
			if rotationErr != nil {
				return withStatus(ExitPolicy, rotationErr)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&strictRotation, "strict-rotation", false, "fail (exit 1) when a secret is past its rotate_every, or lacks owner or rotate_every")
	return c
}

// leafText is a failure's cause without the variable and reference that the row already shows.
func leafText(err error) string {
	var ve *inject.VarError
	if errors.As(err, &ve) {
		err = ve.Err
	}
	var re *providers.RefError
	if errors.As(err, &re) {
		err = re.Err
	}
	return err.Error()
}

// ageColumn is the AGE of a row: the version's age (3d), "unknown" when the store keeps no
// creation time, "-" when nothing was resolved.
func ageColumn(r checkRow) string {
	switch {
	case r.AgeSeconds != nil:
		return formatAge(time.Duration(*r.AgeSeconds) * time.Second)
	case r.Status == "ok" || r.Status == "invalid":
		return "unknown"
	}
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
