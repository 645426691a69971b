package validate

import (
	"regexp"
	"testing"
	"time"
)

// benchProfile is a realistic profile of 20 secrets: a certificate and an RSA key, connection
// strings with require_tls, tokens with patterns, JSON, and plain secrets with only the
// placeholder check.
func benchProfile(b *testing.B) []struct {
	name, value string
	rules       *Rules
} {
	cert := certPEM(b, key(b, "rsa2048"), testNow.Add(-time.Hour), testNow.Add(365*24*time.Hour))
	rsaKey := pkcs8PEM(b, key(b, "rsa2048"))
	stripe := regexp.MustCompile(`^sk_live_[A-Za-z0-9]{24,}$`)
	return []struct {
		name, value string
		rules       *Rules
	}{
		{"TLS_CERT", cert, &Rules{PEMType: PEMCertificate}},
		{"TLS_KEY", rsaKey, &Rules{PEMType: PEMPrivateKey, KeyTypes: []string{KeyRSA, KeyECDSA}}},
		{"DATABASE_URL", "postgres://app:" + canary + "@db.internal:5432/app?sslmode=verify-full", &Rules{RequireTLS: true}},
		{"REPLICA_URL", "host=replica.internal user=app password=" + canary + " sslmode=require", &Rules{RequireTLS: true}},
		{"REDIS_URL", "rediss://:" + canary + "@cache.internal:6380/0", &Rules{RequireTLS: true, Format: FormatURL}},
		{"AMQP_URL", "amqps://app:" + canary + "@mq.internal/vhost", &Rules{RequireTLS: true}},
		{"MYSQL_DSN", "app:" + canary + "@tcp(db.internal:3306)/app?tls=true", &Rules{RequireTLS: true}},
		{"STRIPE_KEY", "sk_live_" + canary + canary + canary, &Rules{Pattern: stripe, MinLength: 32}},
		{"SESSION_SECRET", canary + canary + canary + canary, &Rules{MinLength: 32, MaxLength: 128}},
		{"SERVICE_JSON", `{"type":"service_account","client_email":"a@b.example","private_key":"` + canary + `"}`, &Rules{RequiredKeys: []string{"type", "client_email", "private_key"}}},
		{"WEBHOOK_URL", "https://hooks.example/services/" + canary, &Rules{Format: FormatURL, RequireTLS: true}},
		{"JWT", jwt(`{"alg":"HS256"}`, `{"sub":"`+canary+`","exp":4102444800}`), &Rules{Format: FormatJWT}},
		{"HMAC_KEY", "deadbeefdeadbeefdeadbeefdeadbeef", &Rules{Format: FormatHex, MinLength: 32}},
		{"ENC_KEY", "UTdaWmsyV3BRN3ZaazJXcFE3dlprMldw", &Rules{Format: FormatBase64}},
		{"PORT", "8443", &Rules{Format: FormatPort}},
		{"APP_ENV", "production", &Rules{OneOf: []string{"development", "staging", "production"}}},
		{"SMTP_USER", "ops@mail.example", &Rules{Format: FormatEmail}},
		{"API_TOKEN", "ghp_" + canary + canary + canary, nil},
		{"SENTRY_DSN", "https://" + canary + "@o1.ingest.sentry.io/42", nil},
		{"OTHER_SECRET", canary + "-" + canary, nil},
	}
}

// BenchmarkCheckProfile is the cost of validation per run for a realistic profile.
func BenchmarkCheckProfile(b *testing.B) {
	secrets := benchProfile(b)
	c := &Checker{Now: func() time.Time { return testNow }, Examples: map[string]string{"API_TOKEN": "ghp_xxx", "OTHER_SECRET": "changeme"}}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range secrets {
			if fails, _ := c.Check(s.name, s.value, s.rules); len(fails) > 0 {
				b.Fatalf("%s: %v", s.name, fails)
			}
		}
	}
}

// BenchmarkCheckPlaceholderOnly is the cost for a secret without rules (the placeholder check
// every secret gets).
func BenchmarkCheckPlaceholderOnly(b *testing.B) {
	c := &Checker{}
	value := "sk_live_" + canary + canary + canary
	b.ReportAllocs()
	for b.Loop() {
		c.Check("V", value, nil)
	}
}
