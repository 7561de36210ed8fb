package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// token create, list and revoke: transaction (delegation) tokens, which let their recipient
// create transactions from the caller's account until they expire, within the limits set at
// creation (issue 13).

// tokenInfoJSON is a token as token list, token revoke and the token.* events show it (never
// the token itself). Limits are null when there is none.
type tokenInfoJSON struct {
	ID             string    `json:"id"`
	RecipientEmail string    `json:"recipientEmail"`
	MaxAmount      *string   `json:"maxAmount"`
	MaxUses        *int64    `json:"maxUses"`
	UsedAmount     string    `json:"usedAmount"`
	UsedCount      int64     `json:"usedCount"`
	State          string    `json:"state"`
	CreatedAt      api.Time  `json:"createdAt"`
	ExpiresAt      api.Time  `json:"expiresAt"`
	RevokedAt      *api.Time `json:"revokedAt"`
	Currency       string    `json:"currency"`
}

func tokenInfoOf(t api.TokenInfo) tokenInfoJSON {
	out := tokenInfoJSON{
		ID: t.ID, RecipientEmail: t.RecipientEmail, MaxUses: t.MaxUses, UsedAmount: amount(t.UsedAmount),
		UsedCount: t.UsedCount, State: t.State, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
		RevokedAt: t.RevokedAt, Currency: t.Currency,
	}
	if t.MaxAmount != nil {
		m := amount(*t.MaxAmount)
		out.MaxAmount = &m
	}
	return out
}

// tokenJSON is token create's document: the token (its only appearance) and what it allows. id,
// the limits and expiresAt are null from a service that does not record tokens.
type tokenJSON struct {
	Token          string    `json:"token"`
	RecipientEmail string    `json:"recipientEmail"`
	ID             *string   `json:"id"`
	MaxAmount      *string   `json:"maxAmount"`
	MaxUses        *int64    `json:"maxUses"`
	ExpiresAt      *api.Time `json:"expiresAt"`
}

// tokensJSON is token list's document.
type tokensJSON struct {
	Tokens []tokenInfoJSON `json:"tokens"`
}

// parseExpiry reads --expires: a Go duration (90m, 2h, 1h30m) or a number of days (1d).
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 366 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= time.Second {
		return d, nil
	}
	return 0, usagef("--expires: write a duration such as 30m, 2h or 1d (at least one second).")
}

// allowance says in words what a token allows.
func allowance(maxAmount *money.Micros, maxUses *int64, currency string) string {
	uses := "any number of times"
	switch {
	case maxUses != nil && *maxUses == 1:
		uses = "once"
	case maxUses != nil:
		uses = fmt.Sprintf("up to %d times", *maxUses)
	}
	if maxAmount == nil {
		return uses + ", for any amount you can cover"
	}
	return fmt.Sprintf("%s, for at most %s %s in all", uses, fixed(*maxAmount, places(*maxAmount)), currency)
}

func tokenCmd(o *options) *cobra.Command {
	group := &cobra.Command{
		Use:   "token",
		Short: "Transaction (delegation) tokens: create, list, revoke",
		Args:  cobra.NoArgs,
	}
	group.AddCommand(tokenCreateCmd(o), tokenListCmd(o), tokenRevokeCmd(o))
	return group
}

func tokenCreateCmd(o *options) *cobra.Command {
	var to, maxAmount, expires string
	var maxUses int64
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a token that lets someone charge your account",
		Long: `Create a transaction token: it lets the recipient create transactions from your account to
theirs (as SyftBox apps do) until it expires, any number of times unless you limit it. It prints
the token alone on stdout; what it allows goes to stderr. The token is shown this once.

--max-amount caps the total of its transactions (a cancelled one gives its amount back),
--max-uses the number of transactions it may create, --expires its lifetime (at most the
service's token lifetime, 24h by default).`,
		Example: `  TOKEN=$(syftwallet token create --to app@example.com --max-uses 1)
  syftwallet token create --to router@example.com --max-amount 5.00 --expires 2h --json`,
	}
	f := c.Flags()
	f.StringVar(&to, "to", "", "who may use the token (required)")
	f.StringVar(&maxAmount, "max-amount", "", "the most its transactions may take in all, such as 5.00 (default: no limit)")
	f.Int64Var(&maxUses, "max-uses", 0, "how many transactions it may create (default: no limit)")
	f.StringVar(&expires, "expires", "", "how long it lasts, such as 30m, 2h or 1d (default: the service's lifetime)")
	return command(o, c, func(r *run, _ []string) error {
		if strings.TrimSpace(to) == "" {
			return usagef("Name who may use the token with --to EMAIL.")
		}
		req := client.TokenRequest{Recipient: to, MaxUses: maxUses}
		if maxUses < 0 || maxUses > api.MaxTokenUses || f.Changed("max-uses") && maxUses == 0 {
			return usagef("--max-uses: a whole number from 1 to 1,000,000.")
		}
		if strings.TrimSpace(maxAmount) != "" {
			m, err := parseAmount("--max-amount", maxAmount)
			if err != nil {
				return err
			}
			req.MaxAmount = m
		}
		d, err := parseExpiry(expires)
		if err != nil {
			return err
		}
		req.ExpiresIn = d
		if _, err := r.signedIn(); err != nil {
			return err
		}
		made, err := r.c.CreateToken(r.ctx, req)
		if err != nil {
			return err
		}
		rcpt, _ := api.NormalizeEmail("recipientEmail", to)
		if r.json {
			doc := tokenJSON{Token: made.Token, RecipientEmail: rcpt}
			if i := made.Info; i != nil {
				id, exp := i.ID, i.ExpiresAt
				doc.ID, doc.MaxUses, doc.ExpiresAt = &id, i.MaxUses, &exp
				if i.MaxAmount != nil {
					m := amount(*i.MaxAmount)
					doc.MaxAmount = &m
				}
			}
			return r.emit(doc)
		}
		if i := made.Info; i != nil {
			r.note("A token for %s: it can be used %s, until %s (id %s).", rcpt,
				allowance(i.MaxAmount, i.MaxUses, i.Currency), localTime(i.ExpiresAt.Time), i.ID)
		} else {
			r.note("A single-use token for %s:", rcpt) // a service that does not record tokens
		}
		fmt.Fprintln(r.stdout, made.Token)
		return nil
	})
}

func tokenListCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List the tokens you created, with their use so far",
		Long: `List the transaction tokens you created (kept until 7 days after they expire), newest first:
recipient, what they took so far against their limits, expiry and state (active, used_up,
expired, revoked). The tokens themselves are never shown again.`,
		Args: cobra.NoArgs,
	}
	return signedInCommand(o, c, func(r *run, _ []string) error {
		list, err := r.c.Tokens(r.ctx)
		if err != nil {
			return err
		}
		if r.json {
			doc := tokensJSON{Tokens: make([]tokenInfoJSON, len(list))}
			for i, t := range list {
				doc.Tokens[i] = tokenInfoOf(t)
			}
			return r.emit(doc)
		}
		if len(list) == 0 {
			r.note("No tokens: create one with syftwallet token create --to EMAIL.")
			return nil
		}
		rows := [][]string{{"ID", "RECIPIENT", "USED", "LIMIT", "EXPIRES", "STATE"}}
		for _, t := range list {
			rows = append(rows, []string{t.ID, t.RecipientEmail, usedText(t), tokenLimitText(t), localTime(t.ExpiresAt.Time), t.State})
		}
		table(r.stdout, rows, map[int]bool{2: true})
		return nil
	})
}

// usedText is what a token took: "2 × 3.50".
func usedText(t api.TokenInfo) string {
	return fmt.Sprintf("%d × %s", t.UsedCount, fixed(t.UsedAmount, places(t.UsedAmount)))
}

// tokenLimitText is a token's limits: "3 uses, 10.00", "no limit".
func tokenLimitText(t api.TokenInfo) string {
	var parts []string
	if t.MaxUses != nil {
		parts = append(parts, fmt.Sprintf("%d uses", *t.MaxUses))
	}
	if t.MaxAmount != nil {
		parts = append(parts, fixed(*t.MaxAmount, places(*t.MaxAmount)))
	}
	if len(parts) == 0 {
		return "no limit"
	}
	return strings.Join(parts, ", ")
}

func tokenRevokeCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "revoke ID",
		Short: "End one of your tokens at once",
		Long: `Revoke a transaction token (its id is in token list): its next use is refused. Transactions it
already created stay as they are: confirm or cancel them in history.`,
		Args: cobra.ExactArgs(1),
	}
	return signedInCommand(o, c, func(r *run, args []string) error {
		t, err := r.c.RevokeToken(r.ctx, args[0])
		if err != nil {
			return err
		}
		if r.json {
			return r.emit(tokenInfoOf(t))
		}
		fmt.Fprintf(r.stdout, "Revoked the token %s for %s; the transactions it created stay as they are.\n", t.ID, t.RecipientEmail)
		return nil
	})
}
