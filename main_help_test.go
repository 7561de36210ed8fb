package main

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/syftbox/syftwallet/cli"
)

// pflag reads the first `quoted` word of a flag's usage as the name of its value. A flag that
// takes no value (a bool) must not have one, or --help shows it as if it took an argument
// ("--new-keys syftwallet serve --help").
func TestHelpShowsNoValueForSwitches(t *testing.T) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if name, _ := pflag.UnquoteUsage(f); f.Value.Type() == "bool" && name != "" {
				t.Errorf("%s --%s: --help shows it taking %q", c.CommandPath(), f.Name, name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cli.Root())
}
