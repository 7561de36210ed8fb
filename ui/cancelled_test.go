package ui

import (
	"strings"
	"testing"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/theme"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// The other party cancels a pending payment of ours: the toast says so as History shows it,
// without a sign and muted from its first moment (the screens are checked in package views).
func TestCancelledOutgoingToastIsMuted(t *testing.T) {
	m, _ := signedInModel(t)
	rb := api.PartyRecipient
	tx := api.Transaction{ID: "txc", SenderEmail: "me@example.com", RecipientEmail: "ada@example.com",
		Amount: 7_250_000, Status: api.StatusCancelled, Direction: api.DirectionOut, CreatedBy: api.PartyRecipient,
		ResolvedBy: &rb, CreatedAt: api.At(viewstest.Epoch), ResolvedAt: ptr(api.At(viewstest.Epoch)), Currency: "USD"}
	settle(m, m.txEvent(api.EventTransactionCancelled, tx, api.At(viewstest.Epoch)))
	v := screen(m)
	if strings.Contains(v, "-7.25") || !strings.Contains(v, "Cancelled 7.25 to ada@example.com") {
		t.Fatalf("want a toast saying the 7.25 was cancelled, without a minus:\n%s", v)
	}
	if len(m.toasts) != 1 {
		t.Fatalf("%d toasts, want 1", len(m.toasts))
	}
	th := m.common.Theme
	want := th.Toast[theme.ToastSteps-1].Render("• Cancelled 7.25 to ada@example.com")
	if got := m.renderToast(m.toasts[0], m.opts.Now()); got != want {
		t.Fatalf("the toast is not muted:\n got %q\nwant %q", got, want)
	}

	// A cancel of one's own (made here or on another device) raises no toast: it was said there.
	own := tx
	own.ID = "txd"
	sender := api.PartySender
	own.ResolvedBy = &sender
	settle(m, m.txEvent(api.EventTransactionCancelled, own, api.At(viewstest.Epoch)))
	if len(m.toasts) != 1 {
		t.Fatalf("a cancel of one's own raised a toast: %d toasts", len(m.toasts))
	}
}

func ptr[T any](v T) *T { return &v }
