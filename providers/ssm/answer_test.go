package ssm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// fakeParam is one parameter version of fakeStore.
type fakeParam struct {
	name, value string
	version     int64
	labels      []string
}

// fakeStore answers GetParameters the way AWS does (and moto does not): each entry names the
// parameter by Name and ARN and the selector it answered by Selector. omit lists names that a
// call of several names leaves out of its answer altogether.
func fakeStore(t *testing.T, params []fakeParam, omit map[string]bool) (url string, calls func() [][]string) {
	var (
		mu   sync.Mutex
		seen [][]string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ Names []string }
		if err := json.Unmarshal(body, &in); err != nil || !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetParameters") {
			http.Error(w, "unexpected request", 400)
			return
		}
		mu.Lock()
		seen = append(seen, in.Names)
		mu.Unlock()
		out := struct {
			Parameters        []map[string]any
			InvalidParameters []string
		}{InvalidParameters: []string{}}
		for _, sel := range in.Names {
			if omit[sel] && len(in.Names) > 1 {
				continue
			}
			// NAME[:SELECTOR], NAME maybe an ARN; "/x" and "x" name one top-level parameter.
			rest := sel
			if i := strings.Index(sel, ":parameter/"); strings.HasPrefix(sel, "arn:") && i >= 0 {
				rest = sel[i+len(":parameter"):]
			}
			name, selector, _ := strings.Cut(rest, ":")
			var found *fakeParam
			for i := range params {
				p := &params[i]
				if "/"+strings.TrimPrefix(p.name, "/") != "/"+strings.TrimPrefix(name, "/") {
					continue
				}
				switch {
				case selector == "" && (found == nil || p.version > found.version),
					selector == fmt.Sprint(p.version),
					selector != "" && strings.Contains(","+strings.Join(p.labels, ",")+",", ","+selector+","):
					found = p
				}
			}
			if found == nil {
				out.InvalidParameters = append(out.InvalidParameters, sel)
				continue
			}
			e := map[string]any{
				"Name": found.name, "Value": found.value, "Version": found.version, "Type": "SecureString",
				"ARN":              "arn:aws:ssm:us-east-1:123456789012:parameter/" + strings.TrimPrefix(found.name, "/"),
				"LastModifiedDate": 1.7e9 + float64(found.version),
			}
			if selector != "" {
				e["Selector"] = ":" + selector
			}
			out.Parameters = append(out.Parameters, e)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return append([][]string(nil), seen...)
	}
}

// TestAnswerMatching: answers shaped as AWS sends them (Name, ARN, Selector, Version) are matched
// to the refs that asked — by name, by ARN, by a top-level name spelled with or without its '/',
// by version and by label — and a name an answer leaves out is read again on its own.
func TestAnswerMatching(t *testing.T) {
	v := func(label string) string { return providertest.Canary(t, label) }
	params := []fakeParam{
		{name: "/app/a", value: v("a1"), version: 1},
		{name: "/app/a", value: v("a2"), version: 2, labels: []string{"stable"}},
		{name: "/app/a", value: v("a3"), version: 3},
		{name: "top", value: v("top"), version: 4},
		{name: "/app/b", value: v("b"), version: 7},
		{name: "/app/omitted", value: v("omitted"), version: 5},
	}
	url, calls := fakeStore(t, params, map[string]bool{"/app/omitted": true})
	awstest.Env(t, url)
	refs := []providers.Ref{
		ref(t, "ssm:///app/a"),
		ref(t, "ssm:///app/a?version=1"),
		ref(t, "ssm:///app/a?label=stable"),
		ref(t, "ssm:///top"), // the parameter is named "top"
		ref(t, "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/app/b"),
		ref(t, "ssm:///app/omitted"),
	}
	want := []struct {
		value   string
		version string
	}{{params[2].value, "3"}, {params[0].value, "1"}, {params[1].value, "2"}, {params[3].value, "4"}, {params[4].value, "7"}, {params[5].value, "5"}}
	got, err := newProvider(t).Fetch(fetchCtx(t, 5*time.Second), refs)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for i, w := range want {
		if got[i].Reveal() != w.value || got[i].Version != w.version {
			t.Errorf("%s: version %q, want %q (value right: %v)", refs[i], got[i].Version, w.version, got[i].Reveal() == w.value)
		}
	}
	if c := got[5].Created; !c.Equal(time.Unix(1.7e9+5, 0)) {
		t.Errorf("Created = %v, want the answer's LastModifiedDate", c)
	}
	// Three selectors of /app/a need three calls (run concurrently, in any order); the others
	// fill them; the omitted name is asked again alone, after the call that left it out.
	cs := calls()
	var asked []int // the sizes of the calls naming /app/omitted, in order
	for _, c := range cs {
		if strings.Contains(strings.Join(c, " "), "/app/omitted") {
			asked = append(asked, len(c))
		}
	}
	if len(cs) != 4 || len(asked) != 2 || asked[0] == 1 || asked[1] != 1 {
		t.Errorf("calls %q, want 3 batches and then /app/omitted alone", cs)
	}
}
