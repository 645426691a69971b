// Command fleetload computes the request rate a fleet of secretrun processes with watching on
// puts on each secret store, against the store's published quota, and says which interval (or
// which caching agent) keeps it safe (issue 8 §7; docs/watch.md, "At fleet scale"):
//
//	go run ./internal/fleetload -processes 10000 -secrets 20 -interval 5m
//	go run ./internal/fleetload -processes 500 -secrets 8 -paths 2 -interval 1m -format markdown
//
// The requests per check of each provider and the quotas are named constants in stores.go, with
// the pages they come from. The load is an average over the interval: jitter spreads the checks
// but does not change their number, and a rotation adds one full fetch per process (a restart)
// spread over about one interval.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "fleetload: %v\n", err)
		os.Exit(2)
	}
}

// run parses args and prints the table to out.
func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fleetload", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f Fleet
	fs.IntVar(&f.Processes, "processes", 10000, "processes watching, fleet-wide")
	fs.IntVar(&f.Secrets, "secrets", 20, "secrets each process watches in the store")
	fs.IntVar(&f.Paths, "paths", 0, "distinct Vault KV paths among those secrets (default: one per secret)")
	fs.DurationVar(&f.Interval, "interval", defaultInterval, "watch interval")
	fs.Float64Var(&f.Share, "share", 0.1, "fraction of a quota the watch load may use; the rest is for start-ups, restarts and other clients")
	fs.IntVar(&f.PerHost, "per-host", 10, "processes per host, for the figures with one caching agent per host (0: none)")
	fs.Float64Var(&f.VaultRPS, "vault-rps", 0, "requests per second your Vault operator allows this fleet (no published quota)")
	format := fs.String("format", "text", "text or markdown")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.PrintDefaults()
			return nil
		}
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.Processes < 1 || f.Secrets < 1:
		return errors.New("-processes and -secrets must be at least 1")
	case f.Paths < 0 || f.Paths > f.Secrets:
		return errors.New("-paths must be from 1 to -secrets (or 0 for one path per secret)")
	case f.Interval <= 0:
		return errors.New("-interval must be positive")
	case f.Share <= 0 || f.Share > 1:
		return errors.New("-share must be above 0 and at most 1")
	case f.PerHost < 0 || f.VaultRPS < 0:
		return errors.New("-per-host and -vault-rps must not be negative")
	}
	rows := make([]Row, len(Stores))
	for i, s := range Stores {
		rows[i] = Compute(f, s)
	}
	switch *format {
	case "text":
		return printText(out, f, rows)
	case "markdown":
		return printMarkdown(out, f, rows)
	}
	return fmt.Errorf("-format must be text or markdown, got %q", *format)
}

const defaultInterval = 5 * time.Minute // secretrun's default watch interval (config.DefaultWatchInterval)

func header(f Fleet) string {
	return fmt.Sprintf("%d processes × %d secrets (%d Vault paths), checked every %s; target: at most %g%% of each quota",
		f.Processes, f.Secrets, f.paths(), fmtDuration(f.Interval), 100*f.Share)
}

var columns = []string{"store", "method", "req/check", "req/min/process", "fleet req/s", "quota", "% of quota", "safe interval ≥"}

func cells(r Row) []string {
	safe := "-"
	if r.SafeInterval > 0 {
		safe = fmtDuration(r.SafeInterval)
	}
	quota := r.Store.QuotaText
	if r.Store.Quota == 0 && r.Quota > 0 {
		quota = fmt.Sprintf("%s/s (-vault-rps)", num(r.Quota))
	}
	return []string{r.Store.Name, r.Store.Method, fmt.Sprint(r.PerCheck), num(r.PerProcessPerMin), num(r.FleetRPS), quota, num(r.Percent), safe}
}

func printText(out io.Writer, f Fleet, rows []Row) error {
	fmt.Fprintln(out, header(f))
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(columns, "\t")))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(cells(r), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, r := range rows {
		fmt.Fprintf(out, "%s (%s): %s\n", r.Store.Name, r.Store.Method, r.Advice)
	}
	fmt.Fprintln(out)
	return printSources(out, "")
}

func printMarkdown(out io.Writer, f Fleet, rows []Row) error {
	fmt.Fprintf(out, "%s.\n\n", header(f))
	fmt.Fprintf(out, "| %s | recommendation |\n|%s\n", strings.Join(columns, " | "), strings.Repeat("---|", len(columns)+1))
	for _, r := range rows {
		fmt.Fprintf(out, "| %s | %s |\n", strings.Join(cells(r), " | "), r.Advice)
	}
	fmt.Fprintln(out)
	return printSources(out, "- ")
}

// printSources lists the pages the quotas come from.
func printSources(out io.Writer, bullet string) error {
	fmt.Fprintln(out, "Quotas from:")
	seen := map[string]bool{}
	for _, s := range Stores {
		if !seen[s.Source] {
			seen[s.Source] = true
			if _, err := fmt.Fprintf(out, "%s%s: %s\n", bullet, s.Name, s.Source); err != nil {
				return err
			}
		}
	}
	return nil
}
