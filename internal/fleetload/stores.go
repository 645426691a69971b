package main

import "time"

// Requests one watch check of one process makes, per provider (docs/watch.md, "Request rate").
// These follow the providers' Versioner implementations; correct them here if those change.
const (
	// VaultReadsPerPath: one KV v2 metadata read (GET <mount>/metadata/<path>, current_version
	// without the data) per distinct path; refs to several keys of one path share it.
	VaultReadsPerPath = 1
	// AWSBatchSize: BatchGetSecretValue reads up to 20 secrets per call, so a check is ⌈N/20⌉ calls.
	AWSBatchSize = 20
	// AWSCallsPerSecret: without the batch call, one GetSecretValue (or DescribeSecret) per secret.
	AWSCallsPerSecret = 1
	// GCPAccessPerSecret: one AccessSecretVersion ("latest") per secret.
	GCPAccessPerSecret = 1
	// GCPReadsPerSecret: one GetSecretVersion ("latest", metadata only) per secret, the
	// value-free alternative, counted against a much smaller quota.
	GCPReadsPerSecret = 1
	// AzureGetsPerSecret: one GET secret (latest version) per secret.
	AzureGetsPerSecret = 1
	// SSMBatchSize: ssm:// has no Versioner; a check reads again with GetParameters, up to 10
	// names per call, so ⌈N/10⌉ calls per region (refs pinned with ?version=N are not checked).
	SSMBatchSize = 10
)

// Published quotas, per second (docs/watch.md, "At fleet scale", cites the same pages).
const (
	// AWSBatchQuota: "Rate of BatchGetSecretValue API requests", 100 per second per Region, not
	// adjustable. https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html
	AWSBatchQuota = 100.0
	// AWSGetQuota: "Combined rate of DescribeSecret and GetSecretValue API requests", 10,000 per
	// second per Region, not adjustable (same page).
	AWSGetQuota = 10000.0
	// GCPAccessQuota: "Access request: 90,000 per minute per project".
	// https://cloud.google.com/secret-manager/quotas
	GCPAccessQuota = 90000.0 / 60
	// GCPReadQuota: "Read request: 600 per minute per project" (same page): metadata reads such
	// as GetSecretVersion.
	GCPReadQuota = 600.0 / 60
	// AzureQuota: secrets "All other transactions" (GET), 4,000 per 10 seconds per vault per
	// region; the subscription-wide limit is five times that.
	// https://learn.microsoft.com/en-us/azure/key-vault/general/service-limits
	AzureQuota = 4000.0 / 10
	// SSMStandardQuota: Parameter Store's default ("standard") throughput, 40 transactions per
	// second per account and Region, shared by GetParameter, GetParameters and
	// GetParametersByPath. https://docs.aws.amazon.com/general/latest/gr/ssm.html
	SSMStandardQuota = 40.0
	// SSMHigherQuota: with higher throughput turned on (a paid account setting,
	// https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html),
	// 1,000 GetParameters per second per account and Region: the smaller of the figures found
	// (GetParameter alone is given 10,000, and an older copy of the table gave 3,000 shared by
	// GetParameter and GetParameters); see docs/providers/ssm.md, "Watching".
	SSMHigherQuota = 1000.0
)

// Pages cited for the quotas and for the agents the recommendations name.
const (
	awsQuotaURL   = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html"
	awsAgentURL   = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/secrets-manager-agent.html"
	gcpQuotaURL   = "https://cloud.google.com/secret-manager/quotas"
	azureQuotaURL = "https://learn.microsoft.com/en-us/azure/key-vault/general/service-limits"
	ssmQuotaURL   = "https://docs.aws.amazon.com/general/latest/gr/ssm.html"
	ssmHigherURL  = "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html"
	vaultQuotaURL = "https://developer.hashicorp.com/vault/docs/concepts/resource-quotas"
	vaultProxyURL = "https://developer.hashicorp.com/vault/docs/agent-and-proxy/proxy/caching"
)

// Fleet is what the calculator is asked about.
type Fleet struct {
	Processes int           // processes watching, fleet-wide
	Secrets   int           // secrets each process watches in this store
	Paths     int           // distinct Vault KV paths among them (0: one per secret)
	Interval  time.Duration // watch interval
	Share     float64       // fraction of a quota the watch load may use (0.1: 10 %)
	PerHost   int           // processes per host, for the per-host agent figures (0: none)
	VaultRPS  float64       // the request rate the Vault operator allows (0: unknown)
}

// Store is one provider and the API method a check uses.
type Store struct {
	Name   string // scheme, such as "awssm"
	Method string // what a check calls
	// PerCheck is the requests of one check of one process for f.
	PerCheck func(f Fleet) int
	// Quota is the published limit in requests per second for the scope in QuotaText; 0: none.
	Quota     float64
	QuotaText string
	Source    string
	// Advice is what to do besides a longer interval when the load is too high: a clause
	// starting with a verb.
	Advice string
	// Agent says a per-host caching agent exists that reads for every process on the host.
	Agent bool
}

// Stores lists the providers and methods, the default method of each first.
var Stores = []Store{
	{
		Name: "vault", Method: "KV v2 metadata read per path",
		PerCheck:  func(f Fleet) int { return VaultReadsPerPath * f.paths() },
		QuotaText: "none published (operator's rate-limit quota)", Source: vaultQuotaURL, Agent: true,
		Advice: "put Vault Agent or Vault Proxy with caching on each host (" + vaultProxyURL + ") and ask the operator which rate-limit quota (sys/quotas/rate-limit) applies",
	},
	{
		Name: "awssm", Method: "BatchGetSecretValue, ⌈N/20⌉ per check",
		PerCheck: func(f Fleet) int { return ceilDiv(f.Secrets, AWSBatchSize) },
		Quota:    AWSBatchQuota, QuotaText: "100/s per account per Region", Source: awsQuotaURL, Agent: true,
		Advice: "put the AWS Secrets Manager Agent on each host (localhost:2773, TTL = interval; " + awsAgentURL + "), or read each secret with GetSecretValue (a 100 times larger quota)",
	},
	{
		Name: "awssm", Method: "GetSecretValue per secret",
		PerCheck: func(f Fleet) int { return AWSCallsPerSecret * f.Secrets },
		Quota:    AWSGetQuota, QuotaText: "10,000/s per account per Region (with DescribeSecret)", Source: awsQuotaURL, Agent: true,
		Advice: "put the AWS Secrets Manager Agent on each host (localhost:2773, TTL = interval; " + awsAgentURL + ")",
	},
	{
		Name: "ssm", Method: "GetParameters, ⌈N/10⌉ (standard)",
		PerCheck: func(f Fleet) int { return ceilDiv(f.Secrets, SSMBatchSize) },
		Quota:    SSMStandardQuota, QuotaText: "40/s per account per Region, default", Source: ssmQuotaURL,
		Advice: "turn on Parameter Store's higher throughput (paid; " + ssmHigherURL + "), or move the secrets that must be watched closely to Secrets Manager",
	},
	{
		Name: "ssm", Method: "GetParameters, ⌈N/10⌉ (higher)",
		PerCheck: func(f Fleet) int { return ceilDiv(f.Secrets, SSMBatchSize) },
		Quota:    SSMHigherQuota, QuotaText: "1,000/s per account per Region, higher throughput", Source: ssmQuotaURL,
		Advice: "spread the parameters over several accounts or Regions (the quota is per account and Region), or move them to Secrets Manager",
	},
	{
		Name: "gcpsm", Method: "AccessSecretVersion per secret",
		PerCheck: func(f Fleet) int { return GCPAccessPerSecret * f.Secrets },
		Quota:    GCPAccessQuota, QuotaText: "90,000/min per project", Source: gcpQuotaURL,
		Advice: "spread the secrets over several projects (the quota is per project), or ask Google for a higher quota",
	},
	{
		Name: "gcpsm", Method: "GetSecretVersion (metadata) per secret",
		PerCheck: func(f Fleet) int { return GCPReadsPerSecret * f.Secrets },
		Quota:    GCPReadQuota, QuotaText: "600/min per project (read requests)", Source: gcpQuotaURL,
		Advice: "read with AccessSecretVersion instead (a 150 times larger quota): metadata reads do not scale to a fleet",
	},
	{
		Name: "azkv", Method: "GET secret per secret",
		PerCheck: func(f Fleet) int { return AzureGetsPerSecret * f.Secrets },
		Quota:    AzureQuota, QuotaText: "4,000 per 10 s per vault", Source: azureQuotaURL,
		Advice: "spread the secrets over several vaults (the limit is per vault; the subscription's is 5 vaults' worth)",
	},
}

func (f Fleet) paths() int {
	if f.Paths > 0 {
		return f.Paths
	}
	return f.Secrets
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
