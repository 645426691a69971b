package redact_test

import (
	"fmt"
	"os"

	"github.com/secretrun/secretrun/redact"
)

func Example() {
	m, skipped := redact.Compile([]redact.Secret{
		{Name: "API_TOKEN", Value: "CANARY-s3cr3t-token"},
		{Name: "DEBUG", Value: "true"},
	}, redact.Options{})
	for _, s := range skipped {
		fmt.Printf("warning: %s is not masked: %s\n", s.Name, s.Reason)
	}
	w := m.NewWriter(os.Stdout, redact.IdlePipe)
	defer w.Close()
	// A secret split across writes, and its JSON form.
	fmt.Fprint(w, "token=CANARY-s3cr")
	fmt.Fprint(w, "3t-token\n")
	fmt.Fprint(w, `{"token":"CANARY-s3cr3t-token","debug":true}`+"\n")
	// Output:
	// warning: DEBUG is not masked: trivial value
	// token=***
	// {"token":"***","debug":true}
}

func ExampleMatcher_MaskString() {
	m, _ := redact.Compile([]redact.Secret{{Name: "DB_PASSWORD", Value: "CANARY pass/word"}}, redact.Options{NameTokens: true})
	fmt.Println(m.MaskString("connect postgres://app:CANARY%20pass%2Fword@db failed"))
	// Output: connect postgres://app:[DB_PASSWORD]@db failed
}
