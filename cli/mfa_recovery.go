package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// recoveryJSON is the document of mfa recovery-codes.
type recoveryJSON struct {
	MFAEnabled        bool     `json:"mfaEnabled"`
	RecoveryCodesLeft int      `json:"recoveryCodesLeft"`
	RecoveryCodes     []string `json:"recoveryCodes,omitempty"` // only when new ones were made
}

// recoveryCodesCmd is "mfa recovery-codes": how many are left, or (--new) a new set for a code
// from the authenticator app. A recovery code cannot make new ones.
func recoveryCodesCmd(o *options) *cobra.Command {
	var fresh bool
	var code string
	c := &cobra.Command{
		Use:   "recovery-codes",
		Short: "Show how many recovery codes are left, or make new ones",
		Long: `Show how many unused recovery codes the signed-in account has left.

With --new, make ten new recovery codes (shown this once) and drop every old one, used or not.
It needs a current code from the authenticator app (--mfa-code, or asked for on a terminal);
a recovery code cannot make new ones.`,
		Example: `  syftwallet mfa recovery-codes
  syftwallet mfa recovery-codes --new --mfa-code 123456 --json`,
	}
	c.Flags().BoolVar(&fresh, "new", false, "make new recovery codes, replacing every old one")
	c.Flags().StringVar(&code, "mfa-code", "", "with --new: a current code from the authenticator app")
	return signedInCommand(o, c, func(r *run, _ []string) error {
		if !fresh {
			st, err := r.c.MFAStatus(r.ctx)
			if err != nil {
				return err
			}
			if r.json {
				return r.emit(recoveryJSON{MFAEnabled: st.Enabled, RecoveryCodesLeft: st.RecoveryCodesLeft})
			}
			if !st.Enabled {
				fmt.Fprintln(r.stdout, "Two-factor authentication is off: there are no recovery codes.")
				return nil
			}
			noun := "codes"
			if st.RecoveryCodesLeft == 1 {
				noun = "code"
			}
			fmt.Fprintf(r.stdout, "%d recovery %s left.\n", st.RecoveryCodesLeft, noun)
			return nil
		}
		code = strings.TrimSpace(code)
		if code == "" {
			if !r.terminal() {
				return usagef("New recovery codes need a code from your authenticator app: pass --mfa-code CODE (stdin is not a terminal, so there is no one to ask).")
			}
			var err error
			if code, err = r.prompt("Code from your authenticator app: "); err != nil {
				return err
			}
			if code == "" {
				return usagef("No code entered.")
			}
		}
		codes, err := r.c.RegenerateRecoveryCodes(r.ctx, code)
		if err != nil {
			return mfaConflict(err, "Two-factor authentication is not on: there are no recovery codes to replace.")
		}
		if r.json {
			return r.emit(recoveryJSON{MFAEnabled: true, RecoveryCodesLeft: len(codes), RecoveryCodes: codes})
		}
		fmt.Fprintln(r.stdout, "New recovery codes (each works once; shown this once, keep them; the old ones no longer work):")
		for _, c := range codes {
			fmt.Fprintf(r.stdout, "  %s\n", c)
		}
		return nil
	})
}
