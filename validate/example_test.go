package validate_test

import (
	"fmt"
	"regexp"

	"github.com/secretrun/secretrun/validate"
)

// A failure names the variable, the rule and what was expected, never the value.
func ExampleChecker_Check() {
	c := &validate.Checker{Examples: map[string]string{"API_KEY": "sk_test_123"}}
	show := func(name, value string, rules *validate.Rules) {
		fails, _ := c.Check(name, value, rules)
		for _, f := range fails {
			fmt.Println(f)
		}
	}
	show("DATABASE_URL", "postgres://app:hunter2@db.internal/app", &validate.Rules{RequireTLS: true})
	show("REDIS_URL", "redis://:hunter2@cache:6379", &validate.Rules{RequireTLS: true})
	show("API_KEY", "sk_test_123", nil)
	show("STRIPE_KEY", "changeme", &validate.Rules{Pattern: regexp.MustCompile(`^sk_live_`), MinLength: 24})
	show("CONFIG", `{"user": "app"}`, &validate.Rules{RequiredKeys: []string{"password"}})
	show("PORT", "80a", &validate.Rules{Format: validate.FormatPort})
	// Output:
	// DATABASE_URL: require_tls: expected TLS: sslmode=require, verify-ca or verify-full (the default, prefer, falls back to plain text)
	// REDIS_URL: require_tls: expected TLS: rediss:// (redis:// is plain text)
	// API_KEY: placeholder: expected a real value, not a placeholder (the value .env.example gives API_KEY)
	// STRIPE_KEY: placeholder: expected a real value, not a placeholder (a placeholder word)
	// STRIPE_KEY: min_length: expected at least 24 characters
	// STRIPE_KEY: pattern: expected a match for the pattern ^sk_live_
	// CONFIG: required_keys: expected a JSON object with the key "password"
	// PORT: format: expected a TCP/UDP port number from 1 to 65535
}
