package cli

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

func balanceCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "balance",
		Short: "Show the balance of the signed-in account",
		Long: `Show the balance of the signed-in account. "balance" is everything the account owns;
"available" leaves out what pending outgoing transactions hold.`,
	}
	return signedInCommand(o, c, func(r *run, _ []string) error {
		u, err := r.c.Account(r.ctx)
		if err != nil {
			return err
		}
		if r.json {
			return r.emit(accountOf(u))
		}
		p := places(u.Balance, u.AvailableBalance)
		bal, avail := fixed(u.Balance, p), fixed(u.AvailableBalance, p)
		w := max(len(bal), len(avail))
		table(r.stdout, [][]string{
			{"Account", u.Email},
			{"Balance", fmt.Sprintf("%*s %s", w, bal, u.Currency)},
			{"Available", fmt.Sprintf("%*s %s", w, avail, u.Currency)},
		}, nil)
		return nil
	})
}

// payJSON is pay's document.
type payJSON struct {
	IdempotencyKey string          `json:"idempotencyKey"`
	Transaction    transactionJSON `json:"transaction"`
}

func payCmd(o *options) *cobra.Command {
	var (
		to, amt, memo, key string
		yes                bool
	)
	c := &cobra.Command{
		Use:   "pay",
		Short: "Pay someone",
		Long: `Pay another account; the payment completes at once.

On a terminal it shows the recipient and amount and asks for confirmation, unless --yes. When
stdin is not a terminal it refuses to run without --yes.

Every payment carries an idempotency key; without --idempotency-key one is generated and
printed to stderr before anything is sent. Running the same payment again with the same key
(after a timeout, say) pays at most once.`,
		Example: `  syftwallet pay --to grace@example.com --amount 12.50 --memo "lunch"
  syftwallet pay --to grace@example.com --amount 12.50 --yes --idempotency-key order-1234 --json`,
	}
	f := c.Flags()
	f.StringVar(&to, "to", "", "the recipient's email address (required)")
	f.StringVar(&amt, "amount", "", "the amount, such as 12.50 or 1,250.00 (required; a point for cents, at most 6 decimals)")
	f.StringVar(&memo, "memo", "", "a note for both parties (at most 280 characters)")
	f.StringVar(&key, "idempotency-key", "", "makes retrying this payment safe (default: generated and printed)")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return command(o, c, func(r *run, _ []string) error {
		if strings.TrimSpace(to) == "" {
			return usagef("Name the recipient with --to EMAIL.")
		}
		if strings.TrimSpace(amt) == "" {
			return usagef("Give the amount with --amount, e.g. --amount 12.50.")
		}
		m, err := parseAmount("--amount", amt)
		if err != nil {
			return err
		}
		if !yes && !r.terminal() {
			return usagef("Refusing to pay without --yes: stdin is not a terminal, so no one can confirm.")
		}
		if _, err := r.signedIn(); err != nil {
			return err
		}
		if !yes {
			// Only the question needs the account (an API key with only the pay scope may not
			// read it).
			u, err := r.c.Account(r.ctx)
			if err != nil {
				return err
			}
			q := fmt.Sprintf("Pay %s %s to %s", fixed(m, places(m)), u.Currency, strings.ToLower(strings.TrimSpace(to)))
			if memo != "" {
				q += fmt.Sprintf(" (memo %q)", memo)
			}
			q += fmt.Sprintf("? Available: %s %s. [y/N] ", fixed(u.AvailableBalance, places(u.AvailableBalance)), u.Currency)
			ans, err := r.prompt(q)
			if err != nil {
				return err
			}
			if a := strings.ToLower(ans); a != "y" && a != "yes" {
				return usagef("Not paid: the payment was not confirmed.")
			}
		}
		if key == "" {
			key = client.NewIdempotencyKey()
			r.note("Idempotency key: %s (retry with --idempotency-key %s to pay at most once)", key, key)
		}
		tx, err := r.c.Pay(r.ctx, client.PayRequest{Recipient: to, Amount: m, Memo: memo, IdempotencyKey: key})
		if err != nil {
			return err
		}
		me := r.c.Session().Email
		if r.json {
			return r.emit(payJSON{IdempotencyKey: key, Transaction: transactionOf(tx, me)})
		}
		fmt.Fprintf(r.stdout, "Paid %s %s to %s.\n", fixed(tx.Amount, places(tx.Amount)), tx.Currency, tx.RecipientEmail)
		table(r.stdout, [][]string{
			{"Transaction", tx.ID},
			{"Status", tx.Status},
			{"Idempotency key", key},
		}, nil)
		return nil
	})
}

// historyJSON is history's document.
type historyJSON struct {
	Transactions []transactionJSON `json:"transactions"`
	NextCursor   *string           `json:"nextCursor"`
	HasMore      bool              `json:"hasMore"`
}

func historyCmd(o *options) *cobra.Command {
	var (
		q                    client.HistoryQuery
		since, until         string
		minAmount, maxAmount string
		filter               string
		all, csvOut          bool
	)
	c := &cobra.Command{
		Use:   "history",
		Short: "List transactions, newest first",
		Long: `List the account's transactions, newest first: one page (--limit, default 50; --cursor to
go on from the page before), or with --all every page. Filters combine.`,
		Example: `  syftwallet history --limit 10
  syftwallet history --all --direction in --since 2026-11-01 --csv > november.csv
  syftwallet history --filter 'out >10 with:ada@example.com since:2026-11-01'
  syftwallet history --json | jq -r '.transactions[] | [.createdAt, .amount] | @tsv'`,
	}
	f := c.Flags()
	f.IntVar(&q.Limit, "limit", client.DefaultPageSize, "transactions per page, 1 to 200")
	f.StringVar(&q.Cursor, "cursor", "", "go on after a page: its nextCursor")
	f.BoolVar(&all, "all", false, "fetch every page")
	f.StringVar(&q.Direction, "direction", "", "only in or out")
	f.StringVar(&q.Status, "status", "", "only PENDING, COMPLETED or CANCELLED")
	f.StringVar(&q.Counterparty, "counterparty", "", "only with this email address")
	f.StringVar(&since, "since", "", "only from this time on (RFC 3339, or a date YYYY-MM-DD)")
	f.StringVar(&until, "until", "", "only before this time (RFC 3339, or a date YYYY-MM-DD)")
	f.StringVar(&minAmount, "min-amount", "", "only amounts from this one")
	f.StringVar(&maxAmount, "max-amount", "", "only amounts up to this one")
	f.StringVar(&q.Q, "search", "", "only where memo, app name or counterparty contain this text")
	f.StringVar(&filter, "filter", "", "the wallet's History filter: words such as in, out, status:pending, >10, <5, since:2026-11-01, until:…, with:email, text")
	f.BoolVar(&csvOut, "csv", false, "print CSV: the wallet's export columns, text cells escaped and formula-safe (see the README)")
	cmd := command(o, c, func(r *run, _ []string) error {
		var err error
		if q.Since, err = parseWhen("--since", since); err != nil {
			return err
		}
		if q.Until, err = parseWhen("--until", until); err != nil {
			return err
		}
		if q.MinAmount, err = parseBound("--min-amount", minAmount); err != nil {
			return err
		}
		if q.MaxAmount, err = parseBound("--max-amount", maxAmount); err != nil {
			return err
		}
		if q.Status != "" {
			q.Status = strings.ToUpper(q.Status)
		}
		if err := withFilter(&q, filter); err != nil {
			return err
		}
		if q.Limit < 1 || q.Limit > api.MaxPageLimit {
			return usagef("--limit must be from 1 to %d.", api.MaxPageLimit)
		}
		if all {
			q.Limit = api.MaxPageLimit
		}
		if _, err := r.signedIn(); err != nil {
			return err
		}
		if csvOut {
			_, err := client.WriteCSV(r.stdout, firstPages(r.c.HistoryPages(r.ctx, q), all))
			return err
		}
		me := r.c.Session().Email
		doc := historyJSON{Transactions: []transactionJSON{}}
		var txs []api.Transaction
		for page, err := range r.c.HistoryPages(r.ctx, q) {
			if err != nil {
				return err
			}
			txs = append(txs, page.Transactions...)
			doc.HasMore = page.HasMore
			doc.NextCursor = nil
			if page.NextCursor != "" {
				doc.NextCursor = &page.NextCursor
			}
			if !all {
				break
			}
		}
		for _, t := range txs {
			doc.Transactions = append(doc.Transactions, transactionOf(t, me))
		}
		if r.json {
			return r.emit(doc)
		}
		if len(txs) == 0 {
			fmt.Fprintln(r.stdout, "No transactions.")
			return nil
		}
		amounts := make([]money.Micros, len(txs))
		for i, t := range txs {
			amounts[i] = t.Amount
		}
		p := places(amounts...)
		rows := [][]string{{"DATE", "AMOUNT", "", "COUNTERPARTY", "STATUS", "MEMO"}}
		for i, t := range txs {
			tj := doc.Transactions[i]
			memo := ""
			if tj.Memo != nil {
				memo = oneLine(*tj.Memo, 40)
			}
			rows = append(rows, []string{localTime(t.CreatedAt.Time), signed(t.Amount, p, tj.Direction == api.DirectionOut, t.Status),
				t.Currency, tj.Counterparty, t.Status, memo})
		}
		table(r.stdout, rows, map[int]bool{1: true})
		if doc.HasMore && doc.NextCursor != nil {
			r.note("More: syftwallet history --cursor %s (or --all)", *doc.NextCursor)
		}
		return nil
	})
	cmd.MarkFlagsMutuallyExclusive("json", "csv")
	return cmd
}

// firstPages is every page of pages with all, else only the first.
func firstPages(pages iter.Seq2[client.HistoryPage, error], all bool) iter.Seq2[client.HistoryPage, error] {
	return func(yield func(client.HistoryPage, error) bool) {
		for p, err := range pages {
			if !yield(p, err) || !all {
				return
			}
		}
	}
}

// parseWhen reads an RFC 3339 time or a date (midnight UTC).
func parseWhen(flag, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("%s must be a time such as 2026-11-29T10:54:24Z or a date such as 2026-11-29.", flag)
}

// withFilter adds the filter language of the wallet's History (client.ParseFilter, the one
// implementation) to the flags' query; a filter word that disagrees with a flag is a usage error.
func withFilter(q *client.HistoryQuery, filter string) error {
	if strings.TrimSpace(filter) == "" {
		return nil
	}
	fq, err := client.ParseFilter(filter, time.Local)
	if err != nil {
		return usagef("--filter: %s", err)
	}
	str := func(name string, dst *string, v string) error {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
		case !strings.EqualFold(*dst, v):
			return usagef("--filter and --%s disagree.", name)
		}
		return nil
	}
	when := func(name string, dst *time.Time, v time.Time) error {
		switch {
		case v.IsZero():
		case dst.IsZero():
			*dst = v
		case !dst.Equal(v):
			return usagef("--filter and --%s disagree.", name)
		}
		return nil
	}
	bound := func(name string, dst *money.Micros, v money.Micros) error {
		switch {
		case v == 0:
		case *dst == 0:
			*dst = v
		case *dst != v:
			return usagef("--filter and --%s disagree.", name)
		}
		return nil
	}
	return errors.Join(str("direction", &q.Direction, fq.Direction), str("status", &q.Status, fq.Status),
		str("counterparty", &q.Counterparty, fq.Counterparty), str("search", &q.Q, fq.Q),
		when("since", &q.Since, fq.Since), when("until", &q.Until, fq.Until),
		bound("min-amount", &q.MinAmount, fq.MinAmount), bound("max-amount", &q.MaxAmount, fq.MaxAmount))
}

// parseAmount reads a flag's amount of money to move or allow (pay --amount, token create
// --max-amount): positive, read with the wallet's Pay screen's parser, so 0,99 is refused, never
// 99, with the same sentence.
func parseAmount(flag, s string) (money.Micros, error) {
	m, err := money.ParseHumanPositive(s)
	if err != nil {
		return 0, usagef("%s: %s", flag, err)
	}
	return m, nil
}

// parseBound reads a history bound (--min-amount, --max-amount): empty is no bound, zero is a
// bound.
func parseBound(flag, s string) (money.Micros, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	m, err := money.ParseHuman(s) // as the wallet's History filter reads >10 and <5
	if err != nil {
		return 0, usagef("%s: %s", flag, err)
	}
	return m, nil
}
