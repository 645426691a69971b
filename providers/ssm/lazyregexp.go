package ssm

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use rather than at program start: secretrun starts on every
// run of the user's command, and most runs never use this package's patterns.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
