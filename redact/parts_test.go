package redact

import (
	"slices"
	"testing"
)

// TestPartsAreNeedles checks that every part Parts returns is masked whole by the matcher Compile
// builds for the value: Parts and the redactor derive parts from one source.
func TestPartsAreNeedles(t *testing.T) {
	values := []string{
		"apiVersion: v1\nusers:\n- name: ci\n  user:\n    token: CANARY-kube-token-0001\n",
		"[default]\naws_secret_access_key = CANARY/aws+secret\nregion = eu-west-1\n",
		"machine example.com login ci password CANARY-netrc",
		"host=db user=app password='CANARY-dsn-kv' sslmode=require",
		"mysql://app:CANARY-url-pw@db/app",
		`{"private_key": "-----BEGIN KEY-----\nCANARY-key-line-one-0001\nCANARY-key-line-two-0002\n-----END KEY-----\n", "n": 12345678901}`,
	}
	for _, opt := range []Options{{}, {MinLength: 4}, {MinLength: 20}} {
		for _, v := range values {
			m, _ := Compile([]Secret{{Name: "S", Value: v}}, opt)
			for _, p := range Parts(v, opt) {
				if rs := m.Find([]byte(p)); len(rs) != 1 || rs[0] != (Region{0, len(p)}) {
					t.Errorf("MinLength %d: part %q of %q: regions %v, want the whole part", opt.MinLength, p, v, rs)
				}
			}
		}
	}
}

// TestParts shows which parts are returned and which the weak-value policy leaves out.
func TestParts(t *testing.T) {
	tests := []struct {
		name, value string
		opt         Options
		want        []string
	}{
		{"single line, nothing structured", "CANARY-plain-value", Options{}, nil},
		{"YAML: weak values left out", "enabled: true\nname: app\ntoken: CANARY-yaml-token\n", Options{},
			[]string{"token: CANARY-yaml-token", "CANARY-yaml-token"}},
		{"lines under opt's minimum left out", "enabled: true\nname: app\ntoken: CANARY-yaml-token\n", Options{MinLength: 25},
			nil},
		{"PEM armour left out", "-----BEGIN KEY-----\nCANARY-pem-body-line-01\n-----END KEY-----", Options{},
			[]string{"CANARY-pem-body-line-01"}},
		{"armour of a PEM part left out", `{"k": "-----BEGIN KEY-----\nCANARY-pem-leaf-body-1\n-----END KEY-----"}`, Options{},
			[]string{"CANARY-pem-leaf-body-1"}},
		{"JSON leaves by key, the lines of a multi-line leaf", `{"z": "CANARY-z-leaf", "a": "x\nCANARY-leaf-line-000001"}`, Options{},
			[]string{"x\nCANARY-leaf-line-000001", "CANARY-leaf-line-000001", "CANARY-z-leaf"}},
		{"DSN password=", "user=app password=CANARY-kv", Options{}, []string{"CANARY-kv"}},
		{"a value the policy skips has no parts", "password=x", Options{MinLength: 4}, nil},
		{"short value", "pwd=CANARY", Options{MinLength: 12}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parts(tt.value, tt.opt); !slices.Equal(got, tt.want) {
				t.Errorf("Parts = %q, want %q", got, tt.want)
			}
		})
	}
}
