package netaddr

import (
	"testing"
)

func TestShow(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		hidden   bool
	}{
		{"http://localhost:2773", `"http://localhost:2773"`, false},
		{"127.0.0.1:9090", `"127.0.0.1:9090"`, false},
		{"http://user:CANARY-pw@localhost:2773", `"http://***@localhost:2773"`, true},
		{"http://user:CANARY/pw?#x@localhost:2773/p", `"http://***@localhost:2773/p"`, true},
		{"CANARY-token@host:443", `"***@host:443"`, true},
		{"u:CANARY-pw@host:443", `"***@host:443"`, true},
		{"ht:tp://u:CANARY@host", `"***@host"`, true},
	} {
		got, hidden := Show(tt.in)
		if got != tt.want || hidden != tt.hidden {
			t.Errorf("Show(%q) = %s, %v; want %s, %v", tt.in, got, hidden, tt.want, tt.hidden)
		}
	}
}
