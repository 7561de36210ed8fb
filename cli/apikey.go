package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
)

// apiKeyJSON is an API key in apikey create and apikey list: never the key itself, except in
// create's document, which adds "key" this once.
type apiKeyJSON struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Scopes        []string        `json:"scopes"`
	SpendLimit    *spendLimitJSON `json:"spendLimit"`
	SpentInPeriod string          `json:"spentInPeriod"`
	PeriodEndsAt  *api.Time       `json:"periodEndsAt"`
	ExpiresAt     api.Time        `json:"expiresAt"`
	CreatedAt     api.Time        `json:"createdAt"`
	LastUsedAt    *api.Time       `json:"lastUsedAt"`
}

// spendLimitJSON is a key's spend limit: an exact decimal amount per period.
type spendLimitJSON struct {
	Amount string `json:"amount"`
	Period string `json:"period"`
}

// newAPIKeyJSON is apikey create's document.
type newAPIKeyJSON struct {
	apiKeyJSON
	Key string `json:"key"`
}

// apiKeysJSON is apikey list's document.
type apiKeysJSON struct {
	APIKeys []apiKeyJSON `json:"apiKeys"`
}

// revokedJSON is apikey revoke's document.
type revokedJSON struct {
	ID      string `json:"id"`
	Revoked bool   `json:"revoked"`
}

func apiKeyOf(k api.APIKey) apiKeyJSON {
	out := apiKeyJSON{
		ID: k.ID, Name: k.Name, Scopes: k.Scopes, SpentInPeriod: amount(k.SpentInPeriod),
		PeriodEndsAt: k.PeriodEndsAt, ExpiresAt: k.ExpiresAt, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt,
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if k.SpendLimit != nil && k.SpendLimit.Amount != nil {
		out.SpendLimit = &spendLimitJSON{Amount: amount(*k.SpendLimit.Amount), Period: k.SpendLimit.Period}
	}
	return out
}

// limitText is a key's limit for people: "50.00 a day", or "none".
func limitText(l *api.SpendLimit) string {
	if l == nil || l.Amount == nil {
		return "none"
	}
	return fmt.Sprintf("%s a %s", fixed(*l.Amount, places(*l.Amount)), l.Period)
}

func apikeyCmd(o *options) *cobra.Command {
	group := &cobra.Command{
		Use:   "apikey",
		Short: "API keys for scripts, CI jobs and SyftBox apps",
		Long: `API keys let a program use your account without your password or a session: set
SYFTWALLET_API_KEY=swk_… in its environment and every command (and the client SDK) uses the key,
in place of any stored session. A key has scopes (read: account, history, events; pay: payments,
batches, tokens), an optional spend limit per day, week or month, and an expiry (at most a year).
A key cannot sign in, change the password or two-factor settings, or manage API keys.`,
		Args: cobra.NoArgs,
	}
	group.AddCommand(apikeyCreateCmd(o), apikeyListCmd(o), apikeyRevokeCmd(o))
	return group
}

func apikeyCreateCmd(o *options) *cobra.Command {
	var name, scope, limit, expires, code string
	c := &cobra.Command{
		Use:   "create",
		Short: "Create an API key (printed once)",
		Long: `Create an API key and print it alone on stdout, this once: the service keeps only a hash.
Store it where the program reads it (a CI secret named SYFTWALLET_API_KEY). With two-factor
authentication on, a current code is needed: --code, or it is asked for on a terminal.`,
		Example: `  syftwallet apikey create --name ci --scope read,pay --limit 50.00/day --expires 90d
  KEY=$(syftwallet apikey create --name reports --scope read --expires 30d)`,
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "what the key is for, e.g. ci (required)")
	f.StringVar(&scope, "scope", api.ScopeRead, "scopes, comma-separated: read, pay")
	f.StringVar(&limit, "limit", "", "spend limit per period, e.g. 50.00/day, 200/week, 1000/month (default none)")
	f.StringVar(&expires, "expires", "", "lifetime (12h, 90d, 2w, 1y) or a date (2027-03-01); default and at most a year")
	f.StringVar(&code, "code", "", "two-factor code from the authenticator app, if the account has two-factor on")
	return command(o, c, func(r *run, _ []string) error {
		if strings.TrimSpace(name) == "" {
			return usagef("Name the key with --name, e.g. --name ci.")
		}
		var scopes []string
		for _, s := range strings.Split(scope, ",") {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
				scopes = append(scopes, s)
			}
		}
		if _, e := api.CheckScopes("scope", scopes); e != nil {
			return usagef("--scope: %s", e.Message)
		}
		lim, err := client.ParseSpendLimit(limit)
		if err != nil {
			return usagef("--limit: %s", err)
		}
		exp, err := client.ParseKeyExpiry(expires, time.Now())
		if err != nil {
			return usagef("--expires: %s", err)
		}
		if err := r.signedInWithoutKey("create API keys"); err != nil {
			return err
		}
		if strings.TrimSpace(code) == "" {
			u, err := r.c.Account(r.ctx)
			if err != nil {
				return err
			}
			if u.MFAEnabled {
				if code, err = r.totpCode(); err != nil {
					return err
				}
			}
		}
		k, err := r.c.CreateAPIKey(r.ctx, client.APIKeyRequest{Name: name, Scopes: scopes, SpendLimit: lim, ExpiresAt: exp, Code: code})
		if err != nil {
			return err
		}
		if r.json {
			return r.emit(newAPIKeyJSON{apiKeyJSON: apiKeyOf(k.APIKey), Key: k.Key})
		}
		r.note("Created the API key %q (id %s): scopes %s, spend limit %s, expires %s.", k.Name, k.ID,
			strings.Join(k.Scopes, ", "), limitText(k.SpendLimit), localTime(k.ExpiresAt.Time))
		r.note("This is the only time the key is shown: store it now, e.g. as the secret SYFTWALLET_API_KEY.")
		fmt.Fprintln(r.stdout, k.Key)
		return nil
	})
}

func apikeyListCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List your API keys (never the keys themselves)",
	}
	return command(o, c, func(r *run, _ []string) error {
		if err := r.signedInWithoutKey("list API keys"); err != nil {
			return err
		}
		keys, err := r.c.ListAPIKeys(r.ctx)
		if err != nil {
			return err
		}
		if r.json {
			doc := apiKeysJSON{APIKeys: []apiKeyJSON{}}
			for _, k := range keys {
				doc.APIKeys = append(doc.APIKeys, apiKeyOf(k))
			}
			return r.emit(doc)
		}
		if len(keys) == 0 {
			fmt.Fprintln(r.stdout, "No API keys. Create one with: syftwallet apikey create --name NAME --scope read")
			return nil
		}
		rows := [][]string{{"ID", "NAME", "SCOPES", "LIMIT", "SPENT", "LAST USED", "EXPIRES"}}
		for _, k := range keys {
			spent := "-"
			if k.SpendLimit != nil {
				spent = fixed(k.SpentInPeriod, places(k.SpentInPeriod))
			}
			last := "never"
			if k.LastUsedAt != nil {
				last = localTime(k.LastUsedAt.Time)
			}
			rows = append(rows, []string{k.ID, oneLine(k.Name, 40), strings.Join(k.Scopes, ","), limitText(k.SpendLimit),
				spent, last, localTime(k.ExpiresAt.Time)})
		}
		table(r.stdout, rows, map[int]bool{4: true})
		return nil
	})
}

func apikeyRevokeCmd(o *options) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key at once",
		Long: `Revoke the API key with this id (apikey list shows them): it stops working at once, and
live-event connections made with it close. On a terminal it asks first, unless --yes; when stdin
is not a terminal it refuses to run without --yes.`,
		Args: cobra.ExactArgs(1),
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return command(o, c, func(r *run, args []string) error {
		id := strings.TrimSpace(args[0])
		if !yes && !r.terminal() {
			return usagef("Refusing to revoke without --yes: stdin is not a terminal, so no one can confirm.")
		}
		if err := r.signedInWithoutKey("revoke API keys"); err != nil {
			return err
		}
		if !yes {
			what := "the API key " + id
			if keys, err := r.c.ListAPIKeys(r.ctx); err == nil {
				for _, k := range keys {
					if k.ID == id {
						what = fmt.Sprintf("the API key %q (%s, scopes %s)", oneLine(k.Name, 40), id, strings.Join(k.Scopes, ","))
					}
				}
			}
			ans, err := r.prompt("Revoke " + what + "? Programs using it stop working at once. [y/N] ")
			if err != nil {
				return err
			}
			if a := strings.ToLower(ans); a != "y" && a != "yes" {
				return usagef("Not revoked: it was not confirmed.")
			}
		}
		if err := r.c.RevokeAPIKey(r.ctx, id); err != nil {
			return err
		}
		if r.json {
			return r.emit(revokedJSON{ID: id, Revoked: true})
		}
		fmt.Fprintf(r.stdout, "Revoked the API key %s.\n", id)
		return nil
	})
}

// signedInWithoutKey resumes the session for managing API keys, refused with a key set: the
// service would refuse it (a key cannot manage keys), and a person running the command means
// their own session.
func (r *run) signedInWithoutKey(what string) error {
	if r.cfg.APIKey != "" {
		return usagef("An API key is set (SYFTWALLET_API_KEY or auth.api_key), and a key cannot %s: unset it and sign in with `syftwallet login`.", what)
	}
	_, err := r.signedIn()
	return err
}

// totpCode asks for a two-factor code on a terminal.
func (r *run) totpCode() (string, error) {
	return r.askCode("This account has two-factor authentication on: pass --code CODE", "Code from your authenticator app: ")
}
