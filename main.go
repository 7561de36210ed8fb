// Command syftwallet is a terminal wallet for the SyftBox accounting service, and the service
// itself. Every command lives in package cli; this file only runs it and exits with its code.
package main

import (
	"os"

	"github.com/syftbox/syftwallet/cli"
)

func main() { os.Exit(cli.Execute()) }
