package cmd

import "strings"

// rootLongFor is the root command's description, naming schemes: the stores' schemes of the
// schema deps carry (providers/all's list, in its order), so a new store is named without an
// edit here.
func rootLongFor(schemes []string) string {
	list := ""
	if len(schemes) > 0 {
		refs := make([]string, len(schemes))
		for i, s := range schemes {
			refs[i] = s + "://"
		}
		list = " (" + strings.Join(refs, ", ") + ")"
	}
	return `secretrun runs a command with secrets in its environment and masks every secret
value in the command's output.

` + wrapText("It resolves a profile's references"+list+", fetches the values, runs COMMAND with them in a scrubbed environment, and passes its stdout and stderr through a redactor. If any required secret cannot be fetched, COMMAND never starts.", 88) + `

` + exitHelp
}

// wrapText fills the words of s into lines of at most width characters.
func wrapText(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
