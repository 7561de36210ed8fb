package ui

import (
	"context"
	"errors"
	"iter"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/events"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/views"
	"github.com/syftbox/syftwallet/views/viewstest"
)

// evil is added to every string the hostile client returns: OSC 52 (clipboard), an OSC title,
// CSI (clear screen), C1 CSI, CR, NUL, BEL, DEL, and the bidi override, isolate and mark.
const evil = "\x1b]52;c;ZXZpbA==\x07\x1b]0;owned\x07\x1b[2J\u009b1mC1\rCR\x00\x7f\u202eRLO\u2066LRI\u200f"

// hostile is the fake client, with every string of every answer poisoned (Status and Direction
// stay valid so that every screen's paths are taken) and every error's sentence too.
type hostile struct{ *viewstest.Client }

type hostileErr struct{ err error }

func (e *hostileErr) Error() string { return e.err.Error() + " " + evil }
func (e *hostileErr) Unwrap() error { return e.err }

func poisonErr(err error) error {
	if err == nil {
		return nil
	}
	return &hostileErr{err}
}

func poisonOf[T any](v T, err error) (T, error) {
	rv := reflect.ValueOf(&v).Elem()
	poisonValue(rv, "")
	return v, poisonErr(err)
}

var strPtr = reflect.TypeFor[*string]()

func poisonValue(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.String:
		if name != "Status" && name != "Direction" && v.CanSet() {
			v.SetString(v.String() + evil)
		}
	case reflect.Pointer:
		if v.IsNil() && v.Type() == strPtr && v.CanSet() {
			s := ""
			v.Set(reflect.ValueOf(&s))
		}
		if !v.IsNil() {
			c := reflect.New(v.Type().Elem())
			c.Elem().Set(v.Elem())
			poisonValue(c.Elem(), name)
			v.Set(c)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			poisonValue(c.Index(i), name)
		}
		v.Set(c)
	case reflect.Map:
		c := reflect.MakeMap(v.Type())
		for it := v.MapRange(); it.Next(); {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			k.Set(it.Key())
			e.Set(it.Value())
			poisonValue(k, "")
			poisonValue(e, "")
			c.SetMapIndex(k, e)
		}
		if v.Type() == reflect.TypeFor[map[string]string]() {
			c.SetMapIndex(reflect.ValueOf("k"+evil), reflect.ValueOf("v"+evil))
		}
		v.Set(c)
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				poisonValue(f, v.Type().Field(i).Name)
			}
		}
	}
}

func (h hostile) Login(ctx context.Context, email, password string) (client.Session, error) {
	return poisonOf(h.Client.Login(ctx, email, password))
}
func (h hostile) Register(ctx context.Context, email, password string, org *string) (client.Registration, error) {
	return poisonOf(h.Client.Register(ctx, email, password, org))
}
func (h hostile) VerifyMFA(ctx context.Context, ch *client.MFAChallenge, code string) (client.Session, error) {
	return poisonOf(h.Client.VerifyMFA(ctx, ch, code))
}
func (h hostile) Account(ctx context.Context) (api.User, error) {
	return poisonOf(h.Client.Account(ctx))
}
func (h hostile) History(ctx context.Context, q client.HistoryQuery) (client.HistoryPage, error) {
	return poisonOf(h.Client.History(ctx, q))
}
func (h hostile) HistoryPages(ctx context.Context, q client.HistoryQuery) iter.Seq2[client.HistoryPage, error] {
	return func(yield func(client.HistoryPage, error) bool) {
		for p, err := range h.Client.HistoryPages(ctx, q) {
			if !yield(poisonOf(p, err)) {
				return
			}
		}
	}
}
func (h hostile) Pay(ctx context.Context, p client.PayRequest) (api.Transaction, error) {
	return poisonOf(h.Client.Pay(ctx, p))
}
func (h hostile) Confirm(ctx context.Context, id string) (api.Transaction, error) {
	return poisonOf(h.Client.Confirm(ctx, strings.TrimSuffix(id, `\x1b]52;c;ZXZpbA==\x07\x1b]0;owned\x07\x1b[2J\u009b1mC1\rCR\x00\x7f\u202eRLO\u2066LRI\u200f`)))
}
func (h hostile) Cancel(ctx context.Context, id string) (api.Transaction, error) {
	return poisonOf(h.Client.Cancel(ctx, id))
}
func (h hostile) CreateToken(ctx context.Context, r client.TokenRequest) (client.CreatedToken, error) {
	return poisonOf(h.Client.CreateToken(ctx, r))
}
func (h hostile) Tokens(ctx context.Context) ([]api.TokenInfo, error) {
	return poisonOf(h.Client.Tokens(ctx))
}
func (h hostile) RevokeToken(ctx context.Context, id string) (api.TokenInfo, error) {
	return poisonOf(h.Client.RevokeToken(ctx, id))
}
func (h hostile) EnrollMFA(ctx context.Context) (api.MFAEnrollment, error) {
	return poisonOf(h.Client.EnrollMFA(ctx))
}
func (h hostile) EnableMFA(ctx context.Context, code string) ([]string, error) {
	return poisonOf(h.Client.EnableMFA(ctx, code))
}
func (h hostile) DisableMFA(ctx context.Context, code string) error {
	return poisonErr(h.Client.DisableMFA(ctx, code))
}
func (h hostile) ChangePassword(ctx context.Context, o, n string) error {
	return poisonErr(h.Client.ChangePassword(ctx, o, n))
}
func (h hostile) LogoutAll(ctx context.Context) error { return poisonErr(h.Client.LogoutAll(ctx)) }
func (h hostile) Resume(ctx context.Context, email string) (client.Session, error) {
	return poisonOf(h.Client.Resume(ctx, email))
}
func (h hostile) Logout(ctx context.Context) error { return poisonErr(h.Client.Logout(ctx)) }
func (h hostile) Session() client.Session {
	s, _ := poisonOf(h.Client.Session(), nil)
	return s
}

var _ views.Client = hostile{}

// sgr is the only escape sequence a frame may hold: colours and styles.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// checkFrame fails when the frame holds anything but printable text, line feeds and SGR.
func checkFrame(t *testing.T, step, frame string) {
	t.Helper()
	plain := sgr.ReplaceAllString(frame, "")
	for i, r := range plain {
		bad := r == utf8.RuneError && !strings.HasPrefix(plain[i:], "\uFFFD") ||
			r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f) ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
		if bad {
			at := max(i-40, 0)
			t.Fatalf("%s: the frame holds %q near %q", step, string(r), plain[at:min(i+20, len(plain))])
		}
	}
}

// TestEveryScreenEscapesTheServicesText drives every screen with a client whose every string
// is hostile and checks each frame: nothing from the data reaches the terminal as a control,
// C1 or bidi character; the escapes are visible instead.
func TestEveryScreenEscapesTheServicesText(t *testing.T) {
	fc := viewstest.Standard()
	fc.Events = true
	at := viewstest.Epoch
	fc.AddTx("ada@example.com", "me@example.com", 12*money.Scale, api.StatusCompleted, "lunch", at.Add(-3600e9))
	fc.AddTx("me@example.com", "grace@example.com", 7*money.Scale, api.StatusPending, "", at.Add(-7200e9))
	fc.AddTx("me@example.com", "ada@example.com", 3*money.Scale, api.StatusCancelled, "tea", at.Add(-9000e9))
	h := hostile{fc}
	var fs *fakeStream
	m := newModel(t, fc, func(o *Options) {
		o.Client = h
		o.NewStream = func(events.Options) LiveStream { fs = newFakeStream(); return fs }
	})
	frames := 0
	look := func(step string) string {
		t.Helper()
		frame := m.View().Content
		checkFrame(t, step, frame)
		frames++
		return frame
	}
	seen := func(step string) {
		t.Helper()
		// Secrets and codes are shown in groups of four: look through the spaces.
		if f := look(step); !strings.Contains(strings.ReplaceAll(f, " ", ""), `\x1b]52;c;`) {
			t.Errorf("%s: the hostile text is not shown, escaped:\n%s", step, screen(m))
		}
	}

	// Sign-in refused: the error's sentence.
	typeText(m, "me@example.com")
	press(m, "tab")
	typeText(m, "wrong password")
	press(m, "enter")
	seen("sign-in error")
	// Signed in (as the sign-in screen reports it, with the session from the client): the
	// dashboard with the session, account and recent transactions.
	fc.SignIn("me@example.com")
	_, cmd := m.Update(views.SignedInMsg{Session: m.opts.Client.Session()})
	settle(m, cmd)
	seen("dashboard")

	// Live: a payment received (toast, feed) and a feed error in the status bar.
	tx := api.Transaction{ID: "tx-live" + evil, SenderEmail: "ada@example.com" + evil, RecipientEmail: "me@example.com",
		Amount: 1_250_000, Status: api.StatusCompleted, CreatedAt: api.At(at), Memo: ptr("live " + evil),
		AppName: ptr(evil), Currency: "USD" + evil}
	liveEvent(m, 1, api.EventPaymentReceived, tx)
	pending := tx
	pending.ID, pending.Status, pending.CreatedBy = "tx-pend", api.StatusPending, api.PartyRecipient
	pending.SenderEmail, pending.RecipientEmail = "me@example.com", "app@example.com"+evil
	liveEvent(m, 2, api.EventTransactionPending, pending)
	seen("live toasts and dashboard")
	feed(m, events.Item{Kind: events.KindState, State: events.State{Phase: events.Reconnecting, Attempt: 2,
		NextTry: at.Add(5e9), Err: errors.New("closed: " + evil)}})
	look("reconnecting status")
	if fs == nil {
		t.Fatal("no stream")
	}

	// History: the table, every field of the details, the cancel prompt, a load error.
	switchTo(m, views.HistoryScreen)
	seen("history")
	press(m, "enter")
	seen("history details")
	press(m, "esc")
	press(m, "x") // the top row is the live pending one
	seen("history cancel prompt")
	if !strings.Contains(screen(m), "keep it as it is") {
		t.Fatalf("no cancel prompt:\n%s", screen(m))
	}
	press(m, "n")
	fc.Err["History"] = &client.ValidationError{Message: "refused"}
	press(m, "r")
	seen("history load error")
	delete(fc.Err, "History")

	// Pay: recent recipients, the paid screen with the answer, a refusal quoting the service.
	_, cmd = m.Update(views.SwitchMsg{To: views.PayScreen})
	settle(m, cmd)
	look("pay form")
	typeText(m, "grace@example.com")
	press(m, "tab")
	typeText(m, "1.50")
	press(m, "tab")
	typeText(m, "thanks")
	press(m, "enter")
	look("pay review")
	press(m, "y")
	seen("paid")
	_, cmd = m.Update(views.SwitchMsg{To: views.PayScreen})
	settle(m, cmd)
	fc.Err["Pay"] = &client.ValidationError{Field: "memo", Message: "The memo is refused:"}
	typeText(m, "grace@example.com")
	press(m, "tab")
	typeText(m, "2")
	press(m, "enter")
	press(m, "y")
	seen("pay refused")
	delete(fc.Err, "Pay")

	// Tokens: the list of active tokens (every string poisoned), then the created token.
	fc.AddToken(api.TokenInfo{ID: "tok_x", RecipientEmail: "router@example.com", State: api.TokenActive,
		ExpiresAt: api.At(at.Add(3600e9))})
	switchTo(m, views.TokensScreen)
	if look("tokens"); !strings.Contains(screen(m), "0 uses") {
		t.Errorf("the token list is not shown:\n%s", screen(m))
	}
	press(m, "esc", "x")
	look("tokens revoke prompt")
	press(m, "n")
	press(m, "enter")
	typeText(m, "grace@example.com")
	press(m, "enter")
	seen("token created")

	// Security: the enrollment's secret and URL, then the recovery codes.
	switchTo(m, views.SecurityScreen)
	look("security")
	press(m, "m")
	seen("mfa enrollment")
	typeText(m, "123456") // six digits submit by themselves
	if f := look("recovery codes"); !strings.Contains(f, "Recovery codes") || !strings.Contains(f, `stuvw0\x`) {
		t.Errorf("recovery codes: not shown, or not escaped:\n%s", screen(m))
	}
	if frames < 17 {
		t.Fatalf("only %d frames checked", frames)
	}
}

// switchTo opens a screen as the number keys do.
func switchTo(m *Model, id views.ID) {
	_, cmd := m.Update(views.SwitchMsg{To: id})
	settle(m, cmd)
}

// TestCleanedReachesEveryStringAndCopies: cleaned escapes every string of the values the client
// returns, map keys included, and leaves the original (which may be the client's cache) alone.
func TestCleanedReachesEveryStringAndCopies(t *testing.T) {
	for _, v := range []any{api.Transaction{}, api.User{}, client.Session{}, client.Registration{},
		client.HistoryPage{Transactions: make([]api.Transaction, 2)}, api.MFAEnrollment{}, []string{"a"}, ""} {
		orig := reflect.New(reflect.TypeOf(v)).Elem()
		orig.Set(reflect.ValueOf(v))
		poisonValue(orig, "")
		before := strings.Count(dump(orig.Interface()), evil)
		out := cleanValue(orig).Interface()
		if strings.Contains(dump(out), "\x1b") || strings.Contains(dump(out), "\u202e") {
			t.Errorf("%T: not every string was cleaned: %q", v, dump(out))
		}
		if strings.Count(dump(orig.Interface()), evil) != before || before == 0 {
			t.Errorf("%T: the original changed or was never poisoned", v)
		}
	}
}

// dump is every string reachable in v, joined.
func dump(v any) string {
	var b strings.Builder
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			b.WriteString(v.String() + "|")
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Key())
				walk(it.Value())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}
