// Command secretrun runs a program with secrets from Vault, AWS, GCP, Azure and local files in
// its environment, and masks every secret value in its output.
package main

import (
	"os"

	"github.com/secretrun/secretrun/cmd"
)

func main() { os.Exit(cmd.Main()) }
