package ui

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/views"
)

// LiveStream is what the root needs from an events.Stream.
type LiveStream interface {
	Run(ctx context.Context) error
	Next(ctx context.Context) (events.Item, error)
	Close() error
}

// StreamFactory makes the live events stream for a session.
type StreamFactory func(events.Options) LiveStream

func defaultStream(o events.Options) LiveStream { return events.NewStream(o) }

// liveConn is one session's stream: its context ends it, Close waits for its goroutine.
type liveConn struct {
	gen    int
	s      LiveStream
	ctx    context.Context
	cancel context.CancelFunc
}

func (l *liveConn) close() {
	l.cancel()
	_ = l.s.Close()
}

// feedMode is how the wallet hears about changes.
type feedMode int

const (
	feedOff          feedMode = iota // signed out
	feedConnecting                   // dialling the events stream
	feedLive                         // events flowing
	feedReconnecting                 // dropped; waiting to try again
	feedPolling                      // a service without events: polling
	feedEnded                        // the stream ended (revoked, or gave up)
)

// feedState is what the status bar says about the live feed.
type feedState struct {
	mode     feedMode
	nextTry  time.Time
	attempt  int
	err      string
	lastPoll time.Time
	pollErr  string
}

// liveItemMsg is one item from the stream: an event, a resync notice or a state change.
type liveItemMsg struct {
	gen  int
	item events.Item
}

// liveEndedMsg says the stream's Run returned.
type liveEndedMsg struct {
	gen int
	err error
}

// runStream runs the stream's goroutine for the session; it answers when the stream ends.
func runStream(gen int, ctx context.Context, s LiveStream) tea.Cmd {
	return func() tea.Msg { return liveEndedMsg{gen: gen, err: s.Run(ctx)} }
}

// nextItem waits for the stream's next item. When the stream is closed it answers nothing, so no
// goroutine outlives the stream.
func nextItem(gen int, ctx context.Context, s LiveStream) tea.Cmd {
	return func() tea.Msg {
		it, err := s.Next(ctx)
		if err != nil {
			return nil
		}
		return liveItemMsg{gen: gen, item: it}
	}
}

// startFeed starts the events stream, or polling on a service without events.
func (m *Model) startFeed() tea.Cmd {
	m.gen++
	gen := m.gen
	c := m.opts.Client
	if c.EventsAvailable() {
		ctx, cancel := context.WithCancel(m.opts.Ctx)
		s := m.opts.NewStream(events.Options{
			URL: c.BaseURL(), Token: c.AccessToken, Refresh: c.Refresh, Logger: m.opts.Logger,
		})
		m.live = &liveConn{gen: gen, s: s, ctx: ctx, cancel: cancel}
		m.feed = feedState{mode: feedConnecting}
		return tea.Batch(runStream(gen, ctx, s), nextItem(gen, ctx, s))
	}
	m.poll = &poller{}
	m.feed = feedState{mode: feedPolling}
	return m.pollNow(gen)
}

// stopFeed ends the stream (its context at once, its goroutine in a command) or the polling.
func (m *Model) stopFeed() tea.Cmd {
	m.gen++
	m.poll = nil
	m.feed = feedState{mode: feedOff}
	if m.live == nil {
		return nil
	}
	l := m.live
	m.live = nil
	l.cancel()
	m.closing = append(m.closing, l.s)
	return func() tea.Msg { _ = l.s.Close(); return nil }
}

func (m *Model) liveItem(msg liveItemMsg) tea.Cmd {
	if m.live == nil || msg.gen != m.live.gen {
		return nil
	}
	next := nextItem(msg.gen, m.live.ctx, m.live.s)
	it := msg.item
	switch it.Kind {
	case events.KindState:
		return tea.Batch(next, m.feedChanged(it.State))
	case events.KindResync:
		m.opts.Client.Invalidate()
		return tea.Batch(next, m.broadcast(views.ReloadMsg{}))
	case events.KindEvent:
		return tea.Batch(next, m.event(it.Event))
	}
	return next
}

func (m *Model) feedChanged(st events.State) tea.Cmd {
	switch st.Phase {
	case events.Connecting:
		if m.feed.mode != feedReconnecting {
			m.feed.mode = feedConnecting
		}
		m.feed.attempt = st.Attempt
	case events.Live:
		m.feed = feedState{mode: feedLive}
	case events.Reconnecting:
		m.feed = feedState{mode: feedReconnecting, nextTry: st.NextTry, attempt: st.Attempt}
		if st.Err != nil {
			m.feed.err = safeErr(st.Err).Error()
		}
		return m.ensureTick()
	case events.Offline:
		m.feed.mode = feedEnded
	}
	return nil
}

func (m *Model) liveEnded(msg liveEndedMsg) tea.Cmd {
	if m.live == nil || msg.gen != m.live.gen {
		return nil
	}
	m.live.cancel()
	m.live = nil
	m.feed = feedState{mode: feedEnded}
	if errors.Is(msg.err, events.ErrSessionRevoked) {
		return m.endSession("Your session was ended (signed out from another device, or your password changed).")
	}
	if msg.err != nil {
		m.feed.err = safeErr(msg.err).Error()
	}
	return nil
}

// event turns one account event into toasts and a LiveMsg for every screen.
func (m *Model) event(ev api.Event) tea.Cmd {
	at := api.Time{}
	if ev.At != nil {
		at = *ev.At
	}
	switch {
	case ev.Type == api.EventBalanceUpdated:
		var b api.Balance
		if err := json.Unmarshal(ev.Data, &b); err != nil {
			m.log.Debug("bad balance event", "err", err)
			return nil
		}
		m.opts.Client.ApplyBalance(b)
		return m.broadcast(views.LiveMsg{Type: ev.Type, Balance: &b, At: at})
	case strings.HasPrefix(ev.Type, "payment.") || strings.HasPrefix(ev.Type, "transaction."):
		var tx api.Transaction
		if err := json.Unmarshal(ev.Data, &tx); err != nil {
			m.log.Debug("bad transaction event", "type", ev.Type, "err", err)
			return nil
		}
		return m.txEvent(ev.Type, cleaned(tx), at) // as the client's answers are (inbound.go)
	case strings.HasPrefix(ev.Type, "token."):
		// Made, used or revoked (here or on another device): the Tokens screen reloads its list.
		return m.broadcast(views.LiveMsg{Type: ev.Type, At: at})
	case ev.Type == api.EventSecurityMFAChanged:
		if m.expected(ev.Type) {
			// The person's own change in this wallet: the screen that made it said so already.
			return m.broadcast(views.LiveMsg{Type: ev.Type, At: at})
		}
		return tea.Batch(m.addToast(views.ToastInfo, "Two-factor authentication was changed on your account."),
			m.broadcast(views.LiveMsg{Type: ev.Type, At: at}))
	}
	return nil
}

// txEvent delivers a transaction change: a toast for what concerns the person, and a LiveMsg.
func (m *Model) txEvent(typ string, tx api.Transaction, at api.Time) tea.Cmd {
	me := m.common.Email
	if tx.Direction == "" {
		tx.Direction = api.DirectionIn
		if strings.EqualFold(tx.SenderEmail, me) {
			tx.Direction = api.DirectionOut
		}
	}
	var toast tea.Cmd
	amount := m.common.Amount(tx.Amount)
	// The amount as History shows it (a cancelled one has no sign), and the kind of toast to match.
	signed, _ := m.common.TxAmount(tx)
	prep, who := views.Other(tx)
	switch typ {
	case api.EventPaymentReceived:
		text := signed + prep
		if m.common.Privacy {
			text = "Payment" + prep
		}
		toast = m.addToastTo(views.TxToastKind(tx), text, who, "")
	case api.EventTransactionPending:
		if tx.CreatedBy == api.PartyRecipient && tx.Direction == api.DirectionOut {
			toast = m.addToastTo(views.ToastInfo, "", tx.RecipientEmail, " drew "+amount+" on your token: pending in History")
		} else if tx.Direction == api.DirectionIn {
			toast = m.addToastTo(views.ToastInfo, "Pending "+amount+prep, who, "")
		}
	case api.EventTransactionCancelled:
		// Cancelled by the other party (a cancel of one's own is said where it was made).
		mine := api.PartySender
		if tx.Direction == api.DirectionIn {
			mine = api.PartyRecipient
		}
		if tx.ResolvedBy != nil && *tx.ResolvedBy != mine {
			text := "Cancelled " + signed + prep
			if m.common.Privacy {
				text = "Cancelled: a payment" + prep
			}
			toast = m.addToastTo(views.TxToastKind(tx), text, who, "")
		}
	}
	return tea.Batch(toast, m.broadcast(views.LiveMsg{Type: typ, Tx: &tx, At: at}))
}

// poller remembers what the last poll saw, to turn the next one into changes.
type poller struct {
	primed bool
	seen   map[string]string // transaction id → status
	bal    api.Balance
}

// pollTickMsg asks for the next poll.
type pollTickMsg struct{ gen int }

// pollResultMsg is one poll's answer.
type pollResultMsg struct {
	gen  int
	at   time.Time
	txs  []api.Transaction
	user api.User
	err  error
}

// pollPage is how many of the newest transactions a poll reads.
const pollPage = 25

func (m *Model) pollNow(gen int) tea.Cmd {
	c, ctx, now := m.opts.Client, m.opts.Ctx, m.opts.Now
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		c.Invalidate()
		u, err := c.Account(ctx)
		if err != nil {
			return pollResultMsg{gen: gen, at: now(), err: err}
		}
		p, err := c.History(ctx, client.HistoryQuery{Limit: pollPage})
		return pollResultMsg{gen: gen, at: now(), txs: p.Transactions, user: u, err: err}
	}
}

func (m *Model) pollTick(msg pollTickMsg) tea.Cmd {
	if msg.gen != m.gen || m.poll == nil {
		return nil
	}
	return m.pollNow(msg.gen)
}

func (m *Model) pollResult(msg pollResultMsg) tea.Cmd {
	if msg.gen != m.gen || m.poll == nil {
		return nil
	}
	gen, every := msg.gen, m.opts.PollEvery
	next := tea.Tick(every, func(time.Time) tea.Msg { return pollTickMsg{gen: gen} })
	m.feed.lastPoll = msg.at
	if msg.err != nil {
		m.feed.pollErr = views.Message(msg.err)
		var unauth *client.UnauthenticatedError
		if errorsAs(msg.err, &unauth) {
			return m.endSession("Your session has ended; sign in again.")
		}
		return next
	}
	m.feed.pollErr = ""
	p := m.poll
	bal := api.Balance{Balance: msg.user.Balance, AvailableBalance: msg.user.AvailableBalance}
	seen := make(map[string]string, len(msg.txs))
	for _, tx := range msg.txs {
		seen[tx.ID] = tx.Status
	}
	if !p.primed {
		p.primed, p.seen, p.bal = true, seen, bal
		return next
	}
	cmds := []tea.Cmd{next}
	at := api.At(msg.at)
	// Oldest first, so toasts and feeds read in order.
	for i := len(msg.txs) - 1; i >= 0; i-- {
		tx := msg.txs[i]
		old, known := p.seen[tx.ID]
		var typ string
		switch {
		case !known && tx.Status == api.StatusCompleted && tx.Direction == api.DirectionIn:
			typ = api.EventPaymentReceived
		case !known && tx.Status == api.StatusCompleted:
			typ = api.EventPaymentSent
		case !known && tx.Status == api.StatusPending:
			typ = api.EventTransactionPending
		case known && old != tx.Status && tx.Status == api.StatusCompleted:
			typ = api.EventTransactionCompleted
		case known && old != tx.Status && tx.Status == api.StatusCancelled:
			typ = api.EventTransactionCancelled
		}
		if typ != "" {
			cmds = append(cmds, m.txEvent(typ, tx, at))
		}
	}
	if bal != p.bal {
		b := bal
		cmds = append(cmds, m.broadcast(views.LiveMsg{Type: api.EventBalanceUpdated, Balance: &b, At: at}))
	}
	p.seen, p.bal = seen, bal
	return tea.Batch(cmds...)
}
