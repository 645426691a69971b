package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Day is the `d` unit of rotate_every: 24 hours (calendar days and daylight saving are ignored).
const Day = 24 * time.Hour

// ParseRotation parses a rotate_every value: a whole number of days (`90d`), a Go duration
// (`36h`, `90m`) or both (`1d12h`). It must be positive.
func ParseRotation(s string) (time.Duration, error) {
	var d time.Duration
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 32)
		if err != nil || i == 0 {
			return 0, fmt.Errorf("invalid duration %q; write a number of days such as \"90d\", or a duration such as \"36h\"", s)
		}
		d, rest = time.Duration(n)*Day, s[i+1:]
	}
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q; write a number of days such as \"90d\", or a duration such as \"36h\"", s)
		}
		d += r
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive, got %q", s)
	}
	return d, nil
}

// rotation decodes a secret's rotate_every.
func (p *parser) rotation(n *yaml.Node, field string) (time.Duration, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.add(n.Line, field, "must be a duration such as \"90d\", got %s", p.describe(n))
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int":
		p.add(n.Line, field, "missing unit in %q; write a number of days such as \"%sd\"", n.Value, n.Value)
		return 0, false
	case "!!float":
		p.add(n.Line, field, "missing unit in %q; write whole days or hours, such as \"90d\" or \"36h\"", n.Value)
		return 0, false
	}
	d, err := ParseRotation(n.Value)
	if err != nil {
		p.add(n.Line, field, "%s", err.Error())
		return 0, false
	}
	return d, true
}
