// Package providers owns the contract between secretrun and the secret stores it reads: the parsed
// reference ([Ref]), the resolved value ([Secret]), the [Provider] interface with its optional extras
// ([Keeper], [Closer]), the [Registry] of built-in providers, and the error sentinels every provider
// wraps.
//
// It uses the standard library only and must not import any SDK, cobra, viper, or another secretrun
// package. Each store lives in its own sub-package (providers/vault, providers/awssm, ...) and the
// explicit list of built-in providers is in providers/all.
package providers
