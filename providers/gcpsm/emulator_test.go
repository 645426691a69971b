package gcpsm

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// emuProject is the project the emulator tests write to; names are unique per test.
const emuProject = "secretrun-test"

// emulator is the GCP Secret Manager emulator (v1.7.1) the test command starts, with an admin
// client to create secrets in it.
type emulator struct {
	addr   string
	admin  *secretmanager.Client
	prefix string
}

func startEmulator(t *testing.T) *emulator {
	t.Helper()
	addr := testenv.Get(t, testenv.GCPSMGRPC)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := secretmanager.NewClient(ctx, option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	return &emulator{addr: addr, admin: admin, prefix: fmt.Sprintf("t%d", time.Now().UnixNano())}
}

// newSecret creates a secret with a unique ID and returns the ID.
func (e *emulator) newSecret(t *testing.T) string {
	t.Helper()
	id := fmt.Sprintf("%s-%s", e.prefix, strings.NewReplacer("/", "-", " ", "_", "#", "_").Replace(t.Name()))
	if len(id) > 200 {
		id = id[:200]
	}
	id += fmt.Sprintf("-%d", time.Now().UnixNano()%1e9)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.admin.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
		Parent:   "projects/" + emuProject,
		SecretId: id,
		Secret: &secretmanagerpb.Secret{Replication: &secretmanagerpb.Replication{
			Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}},
		}},
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	return id
}

// addVersion adds a version to secret, with its CRC32C as careful writers send it, and returns
// the version's resource name.
func (e *emulator) addVersion(t *testing.T, secret string, value []byte) string {
	t.Helper()
	crc := int64(crc32.Checksum(value, crc32.MakeTable(crc32.Castagnoli)))
	return e.addVersionCRC(t, secret, value, &crc)
}

// addVersionCRC adds a version with the given checksum (nil: none, as curl or a careless writer
// would) and returns its resource name.
func (e *emulator) addVersionCRC(t *testing.T, secret string, value []byte, crc *int64) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := e.admin.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent:  "projects/" + emuProject + "/secrets/" + secret,
		Payload: &secretmanagerpb.SecretPayload{Data: value, DataCrc32C: crc},
	})
	if err != nil {
		t.Fatalf("AddSecretVersion: %v", err)
	}
	return v.GetName()
}

// provider returns a provider configured exactly as a user points the CLI at the emulator.
func (e *emulator) provider(t *testing.T) *Provider {
	t.Helper()
	return newTestProvider(t, Settings{Project: emuProject, Endpoint: e.addr, Plaintext: true})
}

func (e *emulator) disable(t *testing.T, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.admin.DisableSecretVersion(ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: version}); err != nil {
		t.Fatalf("DisableSecretVersion: %v", err)
	}
}

// TestEmulatorConformance runs the shared suite against the real emulator process, with the
// provider configured as the CLI would be (project, endpoint, plaintext).
func TestEmulatorConformance(t *testing.T) {
	e := startEmulator(t)
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return e.provider(t) },
		Put: func(t *testing.T, value []byte) providers.Ref {
			s := e.newSecret(t)
			e.addVersion(t, s, value)
			return providers.Ref{Scheme: Scheme, Path: s}
		},
		Missing: func(t *testing.T) providers.Ref {
			return providers.Ref{Scheme: Scheme, Path: e.prefix + "-missing"}
		},
		Binary:  true,
		Timeout: 10 * time.Second,
	})
}

func TestEmulatorVersions(t *testing.T) {
	e := startEmulator(t)
	p := e.provider(t)
	s := e.newSecret(t)
	v1, v2, v3 := canary(t, "v1"), canary(t, "v2"), canary(t, "v3")
	e.addVersion(t, s, []byte(v1))
	n2 := e.addVersion(t, s, []byte(`{"password":"`+v2+`","port":5432}`))
	e.addVersion(t, s, []byte(v3))
	full := "projects/" + emuProject + "/secrets/" + s

	refs := []providers.Ref{
		mustRef(t, "gcpsm://"+s),                       // latest, configured project
		mustRef(t, "gcpsm://"+full),                    // latest, full name
		mustRef(t, "gcpsm://"+full+"/versions/latest"), // latest, spelled out
		mustRef(t, "gcpsm://"+s+"/versions/1"),
		mustRef(t, "gcpsm://"+full+"/versions/2#password"),
		mustRef(t, "gcpsm://"+s+"/versions/2#port"),
	}
	want := []struct{ value, version string }{{v3, "3"}, {v3, "3"}, {v3, "3"}, {v1, "1"}, {v2, "2"}, {"5432", "2"}}
	got, err := p.Fetch(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		if got[i].Reveal() != w.value || got[i].Version != w.version {
			t.Errorf("%s: value ok=%v, version %q, want %q", refs[i], got[i].Reveal() == w.value, got[i].Version, w.version)
		}
	}

	// A version alias resolves to its version number.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.admin.UpdateSecret(ctx, &secretmanagerpb.UpdateSecretRequest{
		Secret:     &secretmanagerpb.Secret{Name: full, VersionAliases: map[string]int64{"prod": 1}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"version_aliases"}},
	}); err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	got, err = p.Fetch(ctx, []providers.Ref{mustRef(t, "gcpsm://"+s+"/versions/prod")})
	if err != nil || got[0].Reveal() != v1 || got[0].Version != "1" {
		t.Fatalf("alias: %v (version %q)", err, got[0].Version)
	}

	// A disabled version is reported as not found, with a hint; a version that never existed
	// and a secret that never existed too.
	e.disable(t, n2)
	refs = []providers.Ref{
		mustRef(t, "gcpsm://"+s+"/versions/2#password"),
		mustRef(t, "gcpsm://"+s+"/versions/9"),
		mustRef(t, "gcpsm://projects/"+emuProject+"/secrets/"+e.prefix+"-nope"),
		mustRef(t, "gcpsm://"+s+"/versions/1"),
	}
	got, err = e.provider(t).Fetch(context.Background(), refs)
	res := refErrors(err)
	if len(res) != 3 || !errors.Is(res[0], providers.ErrNotFound) || !errors.Is(res[1], providers.ErrNotFound) || !errors.Is(res[2], providers.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(res[0].Error(), "disabled or destroyed") || providers.Hint(res[0]) == "" {
		t.Fatalf("disabled: %v (hint %q)", res[0], providers.Hint(res[0]))
	}
	if got[3].Reveal() != v1 || got[3].Version != "1" {
		t.Fatal("version 1 not read next to the failures")
	}
	noLeak(t, err, v1, v2, v3)
	t.Logf("%v", err)
}

// A bare secret name needs a project: from the config, or else GOOGLE_CLOUD_PROJECT.
func TestEmulatorProjectFromConfigOrEnv(t *testing.T) {
	e := startEmulator(t)
	s := e.newSecret(t)
	v := canary(t, "p")
	e.addVersion(t, s, []byte(v))

	t.Setenv("GOOGLE_CLOUD_PROJECT", emuProject)
	p := newTestProvider(t, Settings{Endpoint: e.addr, Plaintext: true})
	got, err := p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://"+s)})
	if err != nil || got[0].Reveal() != v {
		t.Fatalf("project from GOOGLE_CLOUD_PROJECT: %v", err)
	}

	// The configured project wins over the environment; another project has no such secret.
	p = newTestProvider(t, Settings{Project: "some-other-project", Endpoint: e.addr, Plaintext: true})
	_, err = p.Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://"+s), mustRef(t, "gcpsm://projects/"+emuProject+"/secrets/"+s)})
	res := refErrors(err)
	if len(res) != 1 || !errors.Is(res[0], providers.ErrNotFound) || !strings.Contains(res[0].Error(), "projects/some-other-project/secrets/"+s) {
		t.Fatalf("err = %v", err)
	}
}

// The emulator returns a checksum of 0 for a version added without one; on its plaintext
// endpoint that is read as "no checksum", and the value comes back.
func TestEmulatorVersionWithoutCRC(t *testing.T) {
	e := startEmulator(t)
	s := e.newSecret(t)
	v := canary(t, "nocrc")
	e.addVersionCRC(t, s, []byte(v), nil)
	got, err := e.provider(t).Fetch(context.Background(), []providers.Ref{mustRef(t, "gcpsm://"+s)})
	if err != nil || got[0].Reveal() != v || got[0].Version != "1" {
		t.Fatalf("err = %v", err)
	}
}
