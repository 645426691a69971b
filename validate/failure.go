package validate

// Failure is one rule a value does not satisfy. It names the variable, the rule and what was
// expected, never the value or any part of it, so it is safe to print, log and encode as JSON.
type Failure struct {
	// Var is the variable's name.
	Var string `json:"var"`
	// Rule is the rule's field in the `validate:` block, such as "min_length", "format" or
	// "require_tls"; "placeholder" for the placeholder check.
	Rule string `json:"rule"`
	// Expected says what the rule expects, such as "at least 32 characters".
	Expected string `json:"expected"`
	// Hint, when not empty, says how to fix or silence the failure.
	Hint string `json:"hint,omitempty"`
}

// Error returns "invalid value: RULE: expected EXPECTED". The variable is left out: callers
// wrap the Failure in an error that names the variable and where it was defined.
func (f *Failure) Error() string {
	return "invalid value: " + f.Rule + ": expected " + f.Expected
}

// String returns "VAR: RULE: expected EXPECTED".
func (f Failure) String() string {
	return f.Var + ": " + f.Rule + ": expected " + f.Expected
}

// Warning is a problem that does not stop the run yet, such as a certificate that expires
// within the warning window. Like Failure, it never holds the value.
type Warning struct {
	// Var is the variable's name.
	Var string `json:"var"`
	// Rule is the rule that produced the warning, such as "expiry_warning".
	Rule string `json:"rule"`
	// Message says what is wrong, such as "certificate expires in 12 days".
	Message string `json:"message"`
}

// String returns "VAR: MESSAGE".
func (w Warning) String() string { return w.Var + ": " + w.Message }
