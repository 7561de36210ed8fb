package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// registerJSON is register's document.
type registerJSON struct {
	Account           accountJSON `json:"account"`
	GeneratedPassword *string     `json:"generatedPassword"`
	SignedIn          bool        `json:"signedIn"`
	Persistent        bool        `json:"persistent"`
	Store             string      `json:"store"` // where the session is kept, as login's
}

func registerCmd(o *options) *cobra.Command {
	var organization string
	c := &cobra.Command{
		Use:   "register",
		Short: "Create an account and sign in to it",
		Long: `Create an account on the service and sign in to it (the session is kept in the keyring,
as the wallet keeps it).

The password comes from --password-stdin or SYFTBOX_ACCOUNTING_PASSWORD, or is typed at a
prompt on a terminal. With none, the service generates one: it is printed once, so keep it.`,
		Example: `  printf '%s' "$PW" | syftwallet register --email ada@example.com --password-stdin
  syftwallet register --email ada@example.com --json   # a generated password, printed once`,
	}
	c.Flags().StringVar(&organization, "organization", "", "the account's organization")
	return passwordCommand(o, c, "create an account", false, func(r *run, email, pw string, fromStdin bool) error {
		if pw == "" && !fromStdin && r.terminal() && !r.json {
			chosen, err := r.promptSecret("Choose a password (at least 8 characters; empty to have one generated): ")
			if err != nil {
				return err
			}
			pw = chosen
		}
		if err := r.connect(); err != nil {
			return err
		}
		var org *string
		if organization != "" {
			org = &organization
		}
		reg, err := r.c.Register(r.ctx, email, pw, org)
		if err != nil {
			return err
		}
		if reg.Password != "" {
			pw = reg.Password
		}
		s, err := r.c.Login(r.ctx, reg.User.Email, pw)
		if err != nil {
			return &sentence{msg: "The account was created, but signing in failed: " + err.Error(), err: err}
		}
		u := reg.User
		if acct, err := r.c.Account(r.ctx); err == nil {
			u = acct // with the welcome credit, if any
		}
		if s.Warning != "" {
			r.note("%s", s.Warning)
		}
		report := r.sessionStore(s)
		if r.json {
			doc := registerJSON{Account: accountOf(u), SignedIn: true, Persistent: s.Persistent, Store: report.Kind}
			if reg.Password != "" {
				doc.GeneratedPassword = &reg.Password
			}
			return r.emit(doc)
		}
		fmt.Fprintf(r.stdout, "Created the account %s and signed in; the session is kept in %s.\n", u.Email, report.Where())
		if reg.Password != "" {
			fmt.Fprintf(r.stdout, "Generated password (shown this once, keep it): %s\n", reg.Password)
		}
		if u.Balance > 0 {
			fmt.Fprintf(r.stdout, "Balance: %s %s\n", fixed(u.Balance, places(u.Balance)), u.Currency)
		}
		return nil
	})
}

// passwordCommand is command for the commands that take a password (register, login). It adds
// --password-stdin, the one flag that brings a password in (it names stdin as the source: a
// flag's value would show in ps and the shell's history), and fn runs with the email and the
// password as run.credentials reads them (ask: prompt for the password on a terminal); pw is ""
// when none was given, and fromStdin says whether --password-stdin was.
func passwordCommand(o *options, c *cobra.Command, doing string, ask bool,
	fn func(r *run, email, pw string, fromStdin bool) error) *cobra.Command {
	fromStdin := c.Flags().Bool("password-stdin", false, "read the password from stdin")
	return command(o, c, func(r *run, _ []string) error {
		email, pw, err := r.credentials(doing, *fromStdin, ask)
		if err != nil {
			return err
		}
		return fn(r, email, pw, *fromStdin)
	})
}

// loginJSON is login's document.
type loginJSON struct {
	Email      string `json:"email"`
	SignedIn   bool   `json:"signedIn"`
	MFA        bool   `json:"mfa"`
	Persistent bool   `json:"persistent"`
	// Store is where the session is kept: "keyring", "kernel" or "memory".
	Store string `json:"store"`
}

func loginCmd(o *options) *cobra.Command {
	var mfaCode string
	c := &cobra.Command{
		Use:   "login",
		Short: "Sign in and keep the session in the keyring",
		Long: `Sign in. The session (a refresh token, never the password) is kept in the OS keyring as the
wallet keeps it, so later commands need no password: login once, then balance, pay, history...

The password comes from --password-stdin or SYFTBOX_ACCOUNTING_PASSWORD, or is typed at a
prompt on a terminal (never from a flag value). An account with two-factor authentication
needs --mfa-code, or the code is asked for on a terminal.`,
		Example: `  syftwallet login --email ada@example.com                 # asks for the password
  printf '%s' "$PW" | syftwallet login --email ada@example.com --password-stdin --mfa-code 123456`,
	}
	c.Flags().StringVar(&mfaCode, "mfa-code", "", "two-factor code (TOTP or recovery code), if the account has MFA on")
	return passwordCommand(o, c, "sign in with a password", true, func(r *run, email, pw string, _ bool) error {
		if pw == "" {
			return usagef("No password: pass --password-stdin or set SYFTBOX_ACCOUNTING_PASSWORD.")
		}
		if err := r.connect(); err != nil {
			return err
		}
		usedMFA := false
		s, err := r.c.Login(r.ctx, email, pw)
		var mfa *client.MFARequiredError
		if errors.As(err, &mfa) && mfa.Challenge != nil {
			code, cerr := r.mfaCode(mfaCode, "This account has two-factor authentication on")
			if cerr != nil {
				return cerr
			}
			usedMFA = true
			s, err = r.c.VerifyMFA(r.ctx, mfa.Challenge, code)
		}
		if err != nil {
			return err
		}
		if s.Warning != "" {
			r.note("%s", s.Warning)
		}
		report := r.sessionStore(s)
		if r.json {
			return r.emit(loginJSON{Email: s.Email, SignedIn: true, MFA: usedMFA, Persistent: s.Persistent, Store: report.Kind})
		}
		fmt.Fprintf(r.stdout, "Signed in as %s on %s; the session is kept in %s.\n", s.Email, r.where, report.Where())
		return nil
	})
}

// logoutJSON is logout's document.
type logoutJSON struct {
	Email     *string `json:"email"`
	SignedOut bool    `json:"signedOut"`
}

func logoutCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "logout",
		Short: "End the session and remove it from the keyring",
		Long: `End the session on the service and remove it from the keyring: the account given by --email,
else the last one used on this service. Not being signed in is not an error.`,
	}
	return command(o, c, func(r *run, _ []string) error {
		if r.cfg.APIKey != "" {
			return usagef("An API key is set (SYFTWALLET_API_KEY or auth.api_key): there is no session to end. Revoke the key with `syftwallet apikey revoke ID` (signed in, without the key).")
		}
		if err := r.connect(); err != nil {
			return err
		}
		email := r.cfg.Email
		if email == "" {
			if la, ok := r.store.(client.LastAccountStore); ok {
				email, _ = la.LastAccount(r.c.ServerIdentity())
			}
		}
		s, err := r.c.Resume(r.ctx, email)
		var unauth *client.UnauthenticatedError
		switch {
		case errors.As(err, &unauth):
			// Nothing (valid) is stored: the client already forgot a spent session.
			if email != "" {
				_ = r.store.Delete(r.c.ServerIdentity(), email)
			}
			if r.json {
				return r.emit(logoutJSON{})
			}
			fmt.Fprintln(r.stdout, "You were not signed in.")
			return nil
		case err != nil:
			// The service cannot be told; forget the session here anyway.
			if email != "" {
				_ = r.store.Delete(r.c.ServerIdentity(), email)
			}
			return &sentence{msg: "Signed out on this machine, but the service could not be told: " + err.Error(), err: err}
		}
		if err := r.c.Logout(r.ctx); err != nil {
			return &sentence{msg: "Signed out on this machine, but the service could not be told: " + err.Error(), err: err}
		}
		if r.json {
			return r.emit(logoutJSON{Email: &s.Email, SignedOut: true})
		}
		fmt.Fprintf(r.stdout, "Signed out %s.\n", s.Email)
		return nil
	})
}

// mfaJSON is the document of mfa enable and mfa disable.
type mfaJSON struct {
	MFAEnabled    bool     `json:"mfaEnabled"`
	Secret        *string  `json:"secret"`
	OtpauthURL    *string  `json:"otpauthUrl"`
	RecoveryCodes []string `json:"recoveryCodes"`
}

func mfaCmd(o *options) *cobra.Command {
	group := &cobra.Command{
		Use:   "mfa",
		Short: "Turn two-factor authentication on or off, and manage its recovery codes",
		Args:  cobra.NoArgs,
	}
	var enableCode string
	enable := &cobra.Command{
		Use:   "enable",
		Short: "Turn two-factor authentication on",
		Long: `Turn two-factor authentication (TOTP) on for the signed-in account.

On a terminal: prints the secret and the otpauth:// URL for your authenticator app, asks for
a code from it, and prints the recovery codes (shown this once).

In a script, two steps: "mfa enable" alone enrolls and prints the secret and URL; then
"mfa enable --mfa-code CODE" confirms with a code from the app and prints the recovery codes.`,
	}
	enable.Flags().StringVar(&enableCode, "mfa-code", "", "a code from the authenticator app, confirming the enrollment")
	signedInCommand(o, enable, func(r *run, _ []string) error {
		doc := mfaJSON{}
		code := strings.TrimSpace(enableCode)
		if code == "" {
			en, err := r.c.EnrollMFA(r.ctx)
			if err != nil {
				return mfaConflict(err, "Two-factor authentication is already on.")
			}
			doc.Secret, doc.OtpauthURL = &en.Secret, &en.OtpauthURL
			if !r.terminal() {
				if r.json {
					return r.emit(doc)
				}
				fmt.Fprintf(r.stdout, "Secret:      %s\notpauth URL: %s\n", en.Secret, en.OtpauthURL)
				r.note("Add it to your authenticator app, then run: syftwallet mfa enable --mfa-code CODE")
				return nil
			}
			out := r.stderr // on a terminal the secret is shown to the person, the document is the result
			if !r.json {
				out = r.stdout
			}
			fmt.Fprintf(out, "Add this account to your authenticator app:\n  secret:      %s\n  otpauth URL: %s\n", en.Secret, en.OtpauthURL)
			for code == "" {
				if code, err = r.prompt("Code from the app: "); err != nil {
					return err
				}
			}
		}
		codes, err := r.c.EnableMFA(r.ctx, code)
		if err != nil {
			return mfaConflict(err, "Two-factor authentication is already on, or nothing was enrolled: run `syftwallet mfa enable` without --mfa-code first.")
		}
		doc.MFAEnabled, doc.RecoveryCodes = true, codes
		if r.json {
			return r.emit(doc)
		}
		fmt.Fprintln(r.stdout, "Two-factor authentication is on. Recovery codes (each works once; shown this once, keep them):")
		for _, c := range codes {
			fmt.Fprintf(r.stdout, "  %s\n", c)
		}
		return nil
	})

	var disableCode string
	disable := &cobra.Command{
		Use:   "disable",
		Short: "Turn two-factor authentication off",
		Long:  `Turn two-factor authentication off; it needs a current code (or an unused recovery code).`,
	}
	disable.Flags().StringVar(&disableCode, "mfa-code", "", "a current code from the authenticator app, or a recovery code")
	signedInCommand(o, disable, func(r *run, _ []string) error {
		code, err := r.mfaCode(disableCode, "Turning two-factor authentication off needs a code")
		if err != nil {
			return err
		}
		if err := r.c.DisableMFA(r.ctx, code); err != nil {
			return mfaConflict(err, "Two-factor authentication is not on.")
		}
		if r.json {
			return r.emit(mfaJSON{})
		}
		fmt.Fprintln(r.stdout, "Two-factor authentication is off.")
		return nil
	})
	group.AddCommand(enable, disable, recoveryCodesCmd(o))
	return group
}

// mfaConflict gives the client's generic conflict a sentence about MFA.
func mfaConflict(err error, msg string) error {
	var conf *client.ConflictError
	if errors.As(err, &conf) && conf.Code == api.CodeConflict {
		return &sentence{msg: msg, err: err}
	}
	return err
}

// sessionStore is where the session s is kept: the chosen store, or memory when saving it there
// failed.
func (r *run) sessionStore(s client.Session) client.StoreReport {
	if !s.Persistent {
		return client.StoreReport{Kind: client.StoreMemory}
	}
	return r.report
}
