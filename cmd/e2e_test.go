package cmd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	vaultapi "github.com/hashicorp/vault/api"
	"github.com/rogpeppe/go-internal/testscript"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/azkv"
	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
)

// Variables that point the secretrun command of the e2e scripts at the in-process Key Vault test
// server (there is no Azure emulator). They are SECRETRUN_* so the child never inherits them.
const (
	e2eAzkvAddr   = "SECRETRUN_TEST_AZKV_ADDR"    // host:port of an azkvtest server
	e2eAzkvCAFile = "SECRETRUN_TEST_AZKV_CA_FILE" // PEM file of its CA
)

// When SECRETRUN_TEST_AZKV_ADDR is set, the secretrun command built into the test binary talks
// to that azkvtest server for every azkv:// reference: the production azkv provider, with an
// HTTP client whose dialer goes to the server and trusts its CA, and a static credential. Every
// other entry is the real one: the registry is SystemDeps' (providers/all) with the azkv entry's
// Open swapped. Production code is unchanged.
func init() {
	base := testDeps
	testDeps = func() Deps {
		d := base()
		addr := os.Getenv(e2eAzkvAddr)
		if addr == "" {
			return d
		}
		pem, err := os.ReadFile(os.Getenv(e2eAzkvCAFile))
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e test hook: %s: %v\n", e2eAzkvCAFile, err)
			os.Exit(3)
		}
		pool, err := azkvtest.PoolFromPEM(pem)
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e test hook: %v\n", err)
			os.Exit(3)
		}
		client := azkvtest.NewClient(addr, pool)
		system := d.Registry
		d.Registry = func(cfg *config.Config, baseDir string) *providers.Registry {
			var entries []providers.Entry
			for _, e := range system(cfg, baseDir).Entries() {
				if e.Scheme == azkv.Scheme {
					e.Open = func() (providers.Provider, error) {
						var azure azkv.Settings
						if err := cfg.Providers.Section("azure").Decode(&azure); err != nil {
							return nil, err
						}
						p, err := azkv.New(azure, azkv.WithHTTPClient(client), azkv.WithCredential(&azkvtest.Cred{}))
						if err != nil {
							return nil, err
						}
						return p, nil
					}
				}
				entries = append(entries, e)
			}
			return providers.NewRegistry(entries...)
		}
		return d
	}
}

// e2eCanary is one secret value seeded in a store for a run.
type e2eCanary struct {
	key   string // short name, also H_<KEY> (its SHA-256) in the scripts' environment
	value string
}

// TestEndToEnd runs the scripts in testdata/e2e against the real test servers (Vault, moto, the
// GCP Secret Manager emulator, toxiproxy) and an in-process Key Vault stand-in, with canary
// secrets seeded under names unique to the run, and sops files encrypted for an age identity
// generated for the run (SOPS_AGE_KEY; see newE2ESops).
//
// The scripts never see a canary value: they get each value's SHA-256 and length (H_KEY, L_KEY)
// to prove the child received it (hash.sh prints those for variables of its own environment),
// and `nocanary` checks that no canary (nor a credential: the AWS key, the age identities) appears in the last command's stdout or stderr.
// canaries.txt holds every value, for a child to print (fakechild cat) and secretrun to mask.
func TestEndToEnd(t *testing.T) {
	env := testenv.Require(t, testenv.VaultAddr, testenv.VaultToken, testenv.AWSEndpoint, testenv.GCPSMGRPC, testenv.Toxiproxy)
	vaultAddr, vaultToken, awsEndpoint, gcpAddr, toxiAPI := env[0], env[1], env[2], env[3], env[4]
	start := time.Now()

	run := randHex(t, 6)
	canary := func(key string) e2eCanary {
		return e2eCanary{key: key, value: "e2e-" + strings.ReplaceAll(key, "_", "-") + "-" + run + "-" + randHex(t, 8)}
	}
	var (
		vaultUser, vaultPassword, vaultToken1 = canary("VAULT_USER"), canary("VAULT_PASSWORD"), canary("VAULT_TOKEN1")
		awsUser, awsPassword, awsAPI          = canary("AWS_USER"), canary("AWS_PASSWORD"), canary("AWS_API")
		ssmAPI, ssmPassword                   = canary("SSM_API"), canary("SSM_PASSWORD")
		gcpAPI, gcpKey                        = canary("GCP_API"), canary("GCP_KEY")
		azConn, azPassword                    = canary("AZ_CONN"), canary("AZ_PASSWORD")
		dotenvDSN, fileTLS                    = canary("DOTENV_DSN"), canary("FILE_TLS")
		sopsDBPassword                        = canary("SOPS_DB_PASSWORD")
		sopsStripe, sopsWebhook               = canary("SOPS_STRIPE"), canary("SOPS_WEBHOOK")
		awsSecretKey                          = "e2e-aws-secret-access-key-" + run + "-" + randHex(t, 8) // a credential, not a secret to fetch
	)
	canaries := []e2eCanary{vaultUser, vaultPassword, vaultToken1, awsUser, awsPassword, awsAPI, ssmAPI, ssmPassword, gcpAPI, gcpKey, azConn, azPassword, dotenvDSN, fileTLS, sopsDBPassword, sopsStripe, sopsWebhook}

	const (
		gcpProject = "secretrun-e2e"
		azVault    = "e2e-kv"
	)
	names := map[string]string{
		"VAULT_PATH":  "e2e/" + run, // under mount secret/: VAULT_PATH/db {user,password}, VAULT_PATH/token {value}
		"AWS_PREFIX":  "e2e/" + run, // AWS_PREFIX/db (JSON), AWS_PREFIX/api
		"GCP_PREFIX":  "e2e-" + run, // GCP_PREFIX-api, GCP_PREFIX-json (JSON)
		"AZ_PREFIX":   "e2e-" + run, // AZ_PREFIX-conn, AZ_PREFIX-json (JSON) in vault AZ_VAULT
		"RUN":         run,
		"AZ_VAULT":    azVault,
		"GCP_PROJECT": gcpProject,
		"SSM_PREFIX":  "/e2e/" + run, // SecureStrings SSM_PREFIX/api, SSM_PREFIX/db (JSON)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	jsonOf := func(m map[string]string) string {
		b, _ := json.Marshal(m)
		return string(b)
	}

	// Vault: KV v2 at secret/ (a put over an existing secret adds a version).
	vc, err := vaultapi.NewClient(&vaultapi.Config{Address: vaultAddr})
	if err != nil {
		t.Fatal(err)
	}
	vc.SetToken(vaultToken)
	kv := vc.KVv2("secret")
	putVault := func(path string, data map[string]any) {
		if _, err := kv.Put(ctx, path, data); err != nil {
			t.Fatalf("seed vault %s: %v", path, err)
		}
	}

	// AWS Secrets Manager (moto): create, or put a new value when the secret exists.
	sm := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(awsEndpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDE2EADMIN", "e2e-admin-secret", ""),
	})
	putAWS := func(name, value string) {
		_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
		var exists *smtypes.ResourceExistsException
		if errors.As(err, &exists) {
			_, err = sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
		}
		if err != nil {
			t.Fatalf("seed awssm %s: %v", name, err)
		}
	}

	// SSM Parameter Store (moto, the same endpoint): each put over an existing parameter adds a
	// version.
	pstore := ssm.New(ssm.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(awsEndpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDE2EADMIN", "e2e-admin-secret", ""),
	})
	putSSM := func(name, value string) {
		if _, err := pstore.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		}); err != nil {
			t.Fatalf("seed ssm %s: %v", name, err)
		}
	}

	// GCP Secret Manager emulator: create (already there is fine), then add a version.
	gc, err := secretmanager.NewClient(ctx, option.WithEndpoint(gcpAddr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	putGCP := func(id, value string) {
		_, err := gc.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
			Parent: "projects/" + gcpProject, SecretId: id,
			Secret: &secretmanagerpb.Secret{Replication: &secretmanagerpb.Replication{
				Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}},
			}},
		})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			t.Fatalf("seed gcpsm %s: %v", id, err)
		}
		crc := int64(crc32.Checksum([]byte(value), crc32.MakeTable(crc32.Castagnoli)))
		if _, err := gc.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
			Parent:  "projects/" + gcpProject + "/secrets/" + id,
			Payload: &secretmanagerpb.SecretPayload{Data: []byte(value), DataCrc32C: &crc},
		}); err != nil {
			t.Fatalf("seed gcpsm %s: %v", id, err)
		}
	}

	// Seed twice: the second round takes the path of a rerun against long-lived servers
	// (the secret exists: a new version), and the scripts then read version 2.
	for round := 0; round < 2; round++ {
		putVault(names["VAULT_PATH"]+"/db", map[string]any{"user": vaultUser.value, "password": vaultPassword.value})
		putVault(names["VAULT_PATH"]+"/token", map[string]any{"value": vaultToken1.value})
		putAWS(names["AWS_PREFIX"]+"/db", jsonOf(map[string]string{"username": awsUser.value, "password": awsPassword.value}))
		putAWS(names["AWS_PREFIX"]+"/api", awsAPI.value)
		putSSM(names["SSM_PREFIX"]+"/api", ssmAPI.value)
		putSSM(names["SSM_PREFIX"]+"/db", jsonOf(map[string]string{"password": ssmPassword.value}))
		putGCP(names["GCP_PREFIX"]+"-api", gcpAPI.value)
		putGCP(names["GCP_PREFIX"]+"-json", jsonOf(map[string]string{"api_key": gcpKey.value}))
	}

	// Azure Key Vault: the in-process stand-in; its CA goes to the command through a file.
	kvs := azkvtest.New(t)
	kvs.Put(azVault, names["AZ_PREFIX"]+"-conn", azConn.value)
	kvs.Put(azVault, names["AZ_PREFIX"]+"-json", jsonOf(map[string]string{"password": azPassword.value}))
	// A vault of its own for cheap_client.txtar, whose request counts nothing else touches.
	kvs.Put("e2e-cheap-kv", names["AZ_PREFIX"]+"-conn", azConn.value)
	kvs.Put("e2e-cheap-kv", names["AZ_PREFIX"]+"-json", jsonOf(map[string]string{"password": azPassword.value, "user": azConn.value}))
	caFile := filepath.Join(t.TempDir(), "azkv-ca.pem")
	if err := os.WriteFile(caFile, kvs.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	// Faults: a port with nothing listening, and a toxiproxy proxy to Vault that swallows
	// everything (a black hole).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := l.Addr().String()
	l.Close()
	proxy, err := toxiproxy.NewClient(toxiAPI).CreateProxy("e2e-vault-"+run, "127.0.0.1:0", strings.TrimPrefix(vaultAddr, "http://"))
	if err != nil {
		t.Fatalf("create proxy: %v", err)
	}
	t.Cleanup(func() { _ = proxy.Delete() })
	if proxy.Listen == "" || strings.HasSuffix(proxy.Listen, ":0") {
		t.Fatalf("proxy listen address %q was not read back", proxy.Listen)
	}
	if _, err := proxy.AddToxic("", "timeout", "downstream", 1, toxiproxy.Attributes{"timeout": 0}); err != nil {
		t.Fatalf("add toxic: %v", err)
	}
	// sops: secrets.enc.yaml and secrets.enc.env, encrypted for an age identity of the run.
	sopsFixture := newE2ESops(t,
		"db:\n  user: app\n  password: "+sopsDBPassword.value+"\n",
		"STRIPE_KEY="+sopsStripe.value+"\nWEBHOOK_SECRET="+sopsWebhook.value+"\n")

	t.Logf("seeded %d canaries in 5 stores in %v", len(canaries), time.Since(start).Round(time.Millisecond))
	// The scripts run as parallel subtests, after this function returns; cleanups run after them.
	t.Cleanup(func() { t.Logf("seeding and scripts took %v", time.Since(start).Round(time.Millisecond)) })

	forbidden := append([]string{awsSecretKey, sopsFixture.key, sopsFixture.wrong}, func() []string {
		var v []string
		for _, c := range canaries {
			v = append(v, c.value)
		}
		return v
	}()...)

	testscript.Run(t, testscript.Params{
		Dir: "testdata/e2e",
		Setup: func(e *testscript.Env) error {
			scratchEnv(e)
			for k, v := range names {
				e.Setenv(k, v)
			}
			for _, c := range canaries {
				sum := sha256.Sum256([]byte(c.value))
				e.Setenv("H_"+c.key, hex.EncodeToString(sum[:]))
				e.Setenv("L_"+c.key, fmt.Sprint(len(c.value)))
			}
			// Vault and AWS through their SDKs' own variables, GCP through the config file
			// (see the scripts' *.yaml.in, expanded by `expand`), Azure through the test hook.
			e.Setenv("VAULT_ADDR", vaultAddr)
			e.Setenv("VAULT_TOKEN", vaultToken)
			e.Setenv("AWS_ENDPOINT_URL", awsEndpoint)
			e.Setenv("AWS_REGION", "us-east-1")
			e.Setenv("AWS_ACCESS_KEY_ID", "AKIDE2E"+strings.ToUpper(run))
			e.Setenv("AWS_SECRET_ACCESS_KEY", awsSecretKey)
			e.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			e.Setenv("GCP_ENDPOINT", gcpAddr)
			e.Setenv(e2eAzkvAddr, kvs.Addr())
			e.Setenv(e2eAzkvCAFile, caFile)
			e.Setenv("VAULT_DEAD_ADDR", "http://"+deadAddr)
			e.Setenv("VAULT_BLACKHOLE_ADDR", "http://"+proxy.Listen)
			e.Setenv("SOPS_AGE_KEY", sopsFixture.key)

			// Local secrets, and every value in one file for a child to print.
			files := map[string]string{
				".env":         "SENTRY_DSN=" + dotenvDSN.value + "\n",
				"tls.key":      fileTLS.value,
				"hash.sh":      hashScript,
				"canaries.txt": "",
			}
			for _, c := range canaries {
				files["canaries.txt"] += strings.ToLower(c.key) + ": " + c.value + "\n"
			}
			for name, content := range sopsFixture.files {
				files[name] = string(content)
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(e.WorkDir, name), []byte(content), 0o600); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":   cmdStatus,
			"within":   cmdWithin,
			"expand":   cmdExpand,
			"nocanary": func(ts *testscript.TestScript, neg bool, args []string) { cmdNoCanary(ts, neg, args, forbidden) },
			"azkvreqs": func(ts *testscript.TestScript, neg bool, args []string) { cmdAzkvRequests(ts, neg, args, kvs) },
		},
		RequireExplicitExec: true,
	})
}

// hashScript prints, for each variable named, its SHA-256 and length, or that it is unset: a
// child's proof that it received a value, without the value.
const hashScript = `for v in "$@"; do
  eval "isset=\${$v+x}"
  if [ -z "$isset" ]; then echo "$v unset"; continue; fi
  eval "val=\$$v"
  printf '%s sha256=%s len=%s\n' "$v" "$(printf %s "$val" | sha256sum | cut -d' ' -f1)" "${#val}"
done
`

// cmdWithin is status with a time limit: `within DURATION N PROGRAM [ARGS...]` runs PROGRAM,
// checks that it exited with N, and that it took at most DURATION.
func cmdWithin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: within DURATION N PROGRAM [ARGS...]")
	}
	limit, err := time.ParseDuration(args[0])
	ts.Check(err)
	start := time.Now()
	cmdStatus(ts, false, args[1:])
	if d := time.Since(start); d > limit {
		ts.Fatalf("took %v; want at most %v", d.Round(time.Millisecond), limit)
	} else {
		ts.Logf("took %v (limit %v)", d.Round(time.Millisecond), limit)
	}
}

// cmdExpand writes a file with ${VAR} and $VAR replaced by the script's variables:
// `expand SRC DST`. An unset variable is an error (a typo would otherwise become "").
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: expand SRC DST")
	}
	var missing []string
	out := os.Expand(ts.ReadFile(args[0]), func(name string) string {
		v := ts.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		ts.Fatalf("expand %s: unset: %v", args[0], missing)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o600))
}

// cmdNoCanary checks that no seeded value (nor the AWS secret key secretrun authenticates with,
// nor an age identity of the sops fixture) appears in the last command's stdout or stderr:
// `nocanary`.
func cmdNoCanary(ts *testscript.TestScript, neg bool, args []string, forbidden []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nocanary")
	}
	var found []string
	for _, stream := range []string{"stdout", "stderr"} {
		text := ts.ReadFile(stream)
		for _, v := range forbidden {
			if strings.Contains(text, v) {
				found = append(found, fmt.Sprintf("%s holds a value of %d bytes", stream, len(v)))
			}
		}
	}
	if len(found) > 0 {
		sort.Strings(found)
		ts.Fatalf("secret values in output: %s", strings.Join(found, "; "))
	}
}

// cmdAzkvRequests checks what the Key Vault stand-in has served for one vault since the test
// began: `azkvreqs VAULT CHALLENGES GETS` (401 challenges, authorised GETs).
func cmdAzkvRequests(ts *testscript.TestScript, neg bool, args []string, kvs *azkvtest.Server) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: azkvreqs VAULT CHALLENGES GETS")
	}
	gets := 0
	for k, n := range kvs.Gets() {
		if strings.HasPrefix(k, args[0]+"/") {
			gets += n
		}
	}
	got := fmt.Sprintf("%d %d", kvs.Challenges()[args[0]], gets)
	if want := args[1] + " " + args[2]; got != want {
		ts.Fatalf("vault %s: challenges and GETs %s; want %s", args[0], got, want)
	}
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
