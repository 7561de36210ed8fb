package postgres

import (
	"strconv"
	"strings"

	"github.com/syftbox/syftwallet/ledger"
)

// Notifications: a group's transaction ends with pg_notify calls (delivered by PostgreSQL at
// commit, and only if it commits) on two channels:
//
//	<Channel>_events    "<instance> <account>:<first>:<last> …"  the seqs a commit wrote per account
//	<Channel>_sessions  "<instance> <session> …"                 the sessions it revoked
//	<Channel>_credentials "<instance> <account> …"               accounts whose password or MFA changed
//
// A payload stays under PostgreSQL's 8000-byte limit: long lists are split over several calls.
const maxPayload = 7000

// notifications returns the (channel, payload) pairs for what a group committed.
func (s *Store) notifications(events []ledger.Event, revoked, forgot []string) [][2]string {
	var out [][2]string
	if len(events) > 0 {
		type span struct{ first, last int64 }
		spans := map[string]*span{}
		var order []string
		for _, e := range events {
			sp := spans[e.AccountID]
			if sp == nil {
				sp = &span{first: e.Seq, last: e.Seq}
				spans[e.AccountID] = sp
				order = append(order, e.AccountID)
			}
			sp.first, sp.last = min(sp.first, e.Seq), max(sp.last, e.Seq)
		}
		items := make([]string, 0, len(order))
		for _, a := range order {
			items = append(items, a+":"+strconv.FormatInt(spans[a].first, 10)+":"+strconv.FormatInt(spans[a].last, 10))
		}
		out = append(out, s.payloads(s.opts.Channel+"_events", items)...)
	}
	if len(revoked) > 0 {
		out = append(out, s.payloads(s.opts.Channel+"_sessions", revoked)...)
	}
	if len(forgot) > 0 {
		out = append(out, s.payloads(s.opts.Channel+"_credentials", forgot)...)
	}
	return out
}

func (s *Store) payloads(channel string, items []string) [][2]string {
	var out [][2]string
	var b strings.Builder
	for _, it := range items {
		if b.Len() > 0 && b.Len()+1+len(it) > maxPayload {
			out = append(out, [2]string{channel, b.String()})
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(s.instance)
		}
		b.WriteByte(' ')
		b.WriteString(it)
	}
	if b.Len() > 0 {
		out = append(out, [2]string{channel, b.String()})
	}
	return out
}
