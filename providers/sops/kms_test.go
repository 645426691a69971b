package sops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	gosops "github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/kms"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// TestAWSKMS: a file whose data key is encrypted with an AWS KMS key (in moto) decrypts through
// the AWS SDK's default credential chain, with no age identity anywhere; a key that KMS refuses
// fails closed naming the key's ARN.
func TestAWSKMS(t *testing.T) {
	endpoint := testenv.Get(t, testenv.AWSEndpoint)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            endpoint,
		"AWS_ACCESS_KEY_ID":           "AKIDTESTTESTTEST",
		"AWS_SECRET_ACCESS_KEY":       "test-secret-key",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             t.TempDir() + "/config",
		"AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/credentials",
	} {
		t.Setenv(k, v)
	}
	admin := awskms.New(awskms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDADMIN", "admin-secret", ""),
	})
	created, err := admin.CreateKey(context.Background(), &awskms.CreateKeyInput{Description: aws.String("secretrun sops test")})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	arn := aws.ToString(created.KeyMetadata.Arn)

	v := providertest.Canary(t, "kms")
	branches, err := store(JSON).LoadPlainFile([]byte(`{"token":"` + v + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	b := encryptWith(t, JSON, branches, func(m *gosops.Metadata) {
		m.KeyGroups = []gosops.KeyGroup{{kms.NewMasterKeyFromArn(arn, nil, "")}}
	})
	dir := t.TempDir()
	write(t, dir, "s.enc.json", b)
	ref := providers.Ref{Scheme: Scheme, Path: "s.enc.json", Key: "token"}
	got, err := New(dir, WithLookup(env(t))).Fetch(context.Background(), []providers.Ref{ref})
	providertest.AssertNoValues(t, err, v)
	if err != nil || got[0].Reveal() != v {
		t.Fatalf("Fetch: %d bytes, %v", got[0].Len(), err)
	}

	// The file names a key that KMS does not have: KMS refuses, and the error names the key.
	gone := arn[:strings.LastIndex(arn, "/")+1] + "00000000-0000-4000-8000-000000000000"
	write(t, dir, "s.enc.json", []byte(strings.ReplaceAll(string(b), arn, gone)))
	err = fetchOne(t, New(dir, WithLookup(env(t))), ref, v)
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "aws kms "+gone) {
		t.Fatalf("err = %v; want ErrDenied naming the KMS key", err)
	}
}
