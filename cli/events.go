package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
)

// eventJSON is one line of events --json.
type eventJSON struct {
	Seq  int64     `json:"seq"`
	Type string    `json:"type"`
	At   *api.Time `json:"at"`
	Data any       `json:"data"`
}

// balanceJSON is the data of a balance.updated event.
type balanceJSON struct {
	Balance          string `json:"balance"`
	AvailableBalance string `json:"availableBalance"`
}

func isTransactionEvent(t string) bool {
	switch t {
	case api.EventPaymentSent, api.EventPaymentReceived, api.EventTransactionPending,
		api.EventTransactionCompleted, api.EventTransactionCancelled:
		return true
	}
	return false
}

// eventOf converts an event: transactions and balances as in the other documents, any other
// data as the service sent it.
func eventOf(e api.Event, me string) eventJSON {
	out := eventJSON{Seq: e.Seq, Type: e.Type, At: e.At}
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return out
	}
	switch {
	case isTransactionEvent(e.Type):
		var t api.Transaction
		if json.Unmarshal(e.Data, &t) == nil {
			out.Data = transactionOf(t, me)
			return out
		}
	case e.Type == api.EventTokenCreated, e.Type == api.EventTokenUsed, e.Type == api.EventTokenRevoked:
		var t api.TokenInfo
		if json.Unmarshal(e.Data, &t) == nil {
			out.Data = tokenInfoOf(t)
			return out
		}
	case e.Type == api.EventBalanceUpdated:
		var b api.Balance
		if json.Unmarshal(e.Data, &b) == nil {
			out.Data = balanceJSON{Balance: amount(b.Balance), AvailableBalance: amount(b.AvailableBalance)}
			return out
		}
	}
	out.Data = e.Data
	return out
}

func eventsCmd(o *options) *cobra.Command {
	var since int64
	c := &cobra.Command{
		Use:   "events",
		Short: "Follow the account's live events until interrupted",
		Long: `Follow the signed-in account's live events, one line each, until interrupted (Ctrl-C). It
reconnects by itself and resumes where it left off, so no event is missed or repeated; status
lines (connected, reconnecting) go to stderr. With --json each line is one JSON document.

--since SEQ first replays every event after SEQ (a script can pass the last seq it saw);
--since 0 replays every event the service keeps (7 days), from the first. Without --since only
new events are shown.`,
		Example: `  syftwallet events
  syftwallet events --json | jq -c 'select(.type == "payment.received") | .data'`,
	}
	c.Flags().Int64Var(&since, "since", 0, "replay the events after this seq first, 0 for every event kept (default: only new events)")
	return command(o, c, func(r *run, _ []string) error {
		var from *int64 // nil: only new events; --since 0 is a real position, the start
		if c.Flags().Changed("since") {
			if since < 0 {
				return usagef("--since must be a seq, 0 or more.")
			}
			from = events.FromSeq(since)
		}
		s, err := r.signedIn()
		if err != nil {
			return err
		}
		if !r.c.EventsAvailable() {
			return &client.UnsupportedError{Feature: "live events"}
		}
		currency := ""
		if u, err := r.c.Account(r.ctx); err == nil {
			currency = u.Currency
		}
		return follow(r, s.Email, currency, from)
	})
}

// follow runs the stream until ctx ends (nil) or the session is over (an error). since nil
// follows new events only.
func follow(r *run, me, currency string, since *int64) error {
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	stream := events.NewStream(events.Options{
		URL: r.c.BaseURL(), Token: r.c.AccessToken, Refresh: r.c.Refresh, Since: since,
		Logger: slog.New(slog.DiscardHandler),
	})
	runErr := make(chan error, 1)
	go func() { runErr <- stream.Run(ctx) }()
	defer stream.Close()

	var fatal error
	live := false
	for {
		// Next is read without ctx: when ctx ends, Run ends and closes the stream, and everything
		// it delivered is still printed.
		item, err := stream.Next(context.Background())
		if errors.Is(err, events.ErrClosed) {
			break
		}
		switch item.Kind {
		case events.KindEvent, events.KindResync:
			if err := printEvent(r, item.Event, me, currency); err != nil {
				cancel()
				fatal = &serviceFailure{err: err}
			}
		case events.KindState:
			st := item.State
			switch st.Phase {
			case events.Connecting:
				if !live && st.Attempt == 1 {
					r.note("Connecting to %s…", r.where)
				}
			case events.Live:
				if !live {
					r.note("Ready: following the events of %s (after seq %d). Press Ctrl-C to stop.", me, st.Seq)
				} else {
					r.note("Reconnected: resuming after seq %d.", st.Seq)
				}
				live = true
			case events.Reconnecting:
				var unauth *client.UnauthenticatedError
				if errors.As(st.Err, &unauth) || errors.As(st.Err, new(*client.TokenVerificationError)) {
					// The session is over (refresh refused): no reconnect can help.
					fatal = &sentence{msg: "The session ended; sign in again with `syftwallet login`.", err: st.Err}
					cancel()
					continue
				}
				wait := time.Until(st.NextTry).Round(100 * time.Millisecond)
				r.note("Disconnected (%s); reconnecting in %s (attempt %d), resuming after seq %d.",
					reason(st.Err), max(wait, 0), st.Attempt, st.Seq)
			}
		}
	}
	err := <-runErr
	if fatal != nil {
		return fatal
	}
	if errors.Is(err, events.ErrSessionRevoked) {
		return &sentence{msg: "The session was revoked (signed out elsewhere); sign in again with `syftwallet login`.", err: err}
	}
	if errors.Is(err, events.ErrReplaced) {
		return &serviceFailure{err: &sentence{msg: "Stopped: this account opened more live-event connections than the " +
			"service keeps, so it closed this one, the oldest. Close some wallets or `events` commands, then run it again.", err: err}}
	}
	if err != nil {
		return &serviceFailure{err: err}
	}
	if r.ctx.Err() != nil {
		r.note("Stopped.")
	}
	return nil
}

// reason says in a few words why the stream dropped.
func reason(err error) string {
	var unav *client.UnavailableError
	switch {
	case err == nil:
		return "connection closed"
	case errors.As(err, &unav):
		return strings.TrimSuffix(unav.Error(), ".")
	case errors.Is(err, events.ErrUnauthorized):
		return "the service refused the session token"
	case errors.Is(err, events.ErrGap):
		return "an event was missing"
	case strings.Contains(err.Error(), "dial"):
		return "cannot reach the service"
	}
	return "connection lost"
}

// printEvent writes one event line: JSON, or for people the time, type, amount and counterparty.
func printEvent(r *run, e api.Event, me, currency string) error {
	ej := eventOf(e, me)
	if r.json {
		return writeJSON(r.stdout, ej)
	}
	at := ""
	if e.At != nil {
		at = localTime(e.At.Time)
	} else {
		at = localTime(time.Now())
	}
	var detail string
	switch d := ej.Data.(type) {
	case transactionJSON:
		m, _ := money.Parse(d.Amount)
		amt := signed(m, places(m), d.Direction == api.DirectionOut, d.Status) + " " + d.Currency
		word := "from"
		if d.Direction == api.DirectionOut {
			word = "to"
		}
		detail = fmt.Sprintf("%14s  %s %s  %s", amt, word, d.Counterparty, d.Status)
		if d.Memo != nil {
			detail += "  " + oneLine(*d.Memo, 40)
		}
	case balanceJSON:
		detail = fmt.Sprintf("balance %s %s, available %s", d.Balance, currency, d.AvailableBalance)
	case tokenInfoJSON:
		detail = fmt.Sprintf("token %s for %s: used %d × %s %s, %s", d.ID, d.RecipientEmail, d.UsedCount, d.UsedAmount,
			d.Currency, d.State)
	case json.RawMessage:
		detail = string(d)
	}
	if e.Type == api.EventResync {
		detail = "events may have been missed: reload your state (history, balance)"
	}
	_, err := fmt.Fprintf(r.stdout, "%s  %-21s  %s  [seq %d]\n", at, e.Type, detail, e.Seq)
	return err
}
