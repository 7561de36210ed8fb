package ui

import (
	"context"
	"iter"
	"reflect"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/termsafe"
	"github.com/syftbox/syftwallet/views"
)

// The TUI's inbound boundary for text from the service. Memos, app names, organizations,
// addresses, metadata and the service's messages are written by other people; a screen must
// never hand them to the terminal as they are (an ESC sequence in a memo sets the clipboard,
// a U+202E reorders a line). Instead of each screen remembering to escape each field, the root
// gives the screens a client whose every answer has passed termsafe.String: every string field
// of every value returned, and every error's sentence. Live events pass the same cleaning in
// live.go. The screens then only ever hold printable text.
//
// safeClient implements every method of views.Client itself (no embedding), so that a method
// added to the interface cannot pass through uncleaned: it does not compile until it is here.

// safeClient cleans what a views.Client returns.
type safeClient struct{ c views.Client }

var _ views.Client = safeClient{}

// safeFor wraps c (once); nil stays nil.
func safeFor(c views.Client) views.Client {
	switch c := c.(type) {
	case nil:
		return nil
	case safeClient:
		return c
	}
	return safeClient{c: c}
}

// cleanErr is an error whose sentence is escaped; errors.As and errors.Is see what it wraps.
type cleanErr struct{ err error }

func (e *cleanErr) Error() string { return termsafe.String(e.err.Error()) }
func (e *cleanErr) Unwrap() error { return e.err }

func safeErr(err error) error {
	if err == nil {
		return nil
	}
	return &cleanErr{err: err}
}

// answer cleans a value and its error.
func answer[T any](v T, err error) (T, error) { return cleaned(v), safeErr(err) }

// cleaned returns a copy of v in which every string reachable through fields, pointers, slices,
// arrays and maps (keys too) has passed termsafe.String. It never changes v itself, which may
// share pointers with the client's cache. Unexported fields and []byte are copied as they are.
func cleaned[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	return cleanValue(rv).Interface().(T)
}

func cleanValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		c := termsafe.String(s)
		if c == s {
			return v
		}
		n := reflect.New(v.Type()).Elem()
		n.SetString(c)
		return n
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(cleanValue(v.Elem()))
		return p
	case reflect.Slice:
		if v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8 {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(cleanValue(v.Index(i)))
		}
		return n
	case reflect.Array:
		n := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			n.Index(i).Set(cleanValue(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			n.SetMapIndex(cleanValue(it.Key()), cleanValue(it.Value()))
		}
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v)
		for i := range n.NumField() {
			if f := n.Field(i); f.CanSet() {
				f.Set(cleanValue(v.Field(i)))
			}
		}
		return n
	}
	return v
}

func (s safeClient) Login(ctx context.Context, email, password string) (client.Session, error) {
	return answer(s.c.Login(ctx, email, password))
}

func (s safeClient) Register(ctx context.Context, email, password string, organization *string) (client.Registration, error) {
	return answer(s.c.Register(ctx, email, password, organization))
}

func (s safeClient) VerifyMFA(ctx context.Context, ch *client.MFAChallenge, code string) (client.Session, error) {
	return answer(s.c.VerifyMFA(ctx, ch, code))
}

func (s safeClient) Account(ctx context.Context) (api.User, error) { return answer(s.c.Account(ctx)) }
func (s safeClient) Invalidate()                                   { s.c.Invalidate() }

func (s safeClient) History(ctx context.Context, q client.HistoryQuery) (client.HistoryPage, error) {
	return answer(s.c.History(ctx, q))
}

func (s safeClient) BalanceHistory(ctx context.Context, days int, loc *time.Location) ([]api.BalanceDay, error) {
	return answer(s.c.BalanceHistory(ctx, days, loc))
}

func (s safeClient) HistoryPages(ctx context.Context, q client.HistoryQuery) iter.Seq2[client.HistoryPage, error] {
	return func(yield func(client.HistoryPage, error) bool) {
		for p, err := range s.c.HistoryPages(ctx, q) {
			if !yield(answer(p, err)) {
				return
			}
		}
	}
}

func (s safeClient) Pay(ctx context.Context, p client.PayRequest) (api.Transaction, error) {
	return answer(s.c.Pay(ctx, p))
}

func (s safeClient) Confirm(ctx context.Context, id string) (api.Transaction, error) {
	return answer(s.c.Confirm(ctx, id))
}

func (s safeClient) Cancel(ctx context.Context, id string) (api.Transaction, error) {
	return answer(s.c.Cancel(ctx, id))
}

func (s safeClient) CreateToken(ctx context.Context, r client.TokenRequest) (client.CreatedToken, error) {
	return answer(s.c.CreateToken(ctx, r))
}

func (s safeClient) Tokens(ctx context.Context) ([]api.TokenInfo, error) {
	return answer(s.c.Tokens(ctx))
}

func (s safeClient) RevokeToken(ctx context.Context, id string) (api.TokenInfo, error) {
	return answer(s.c.RevokeToken(ctx, id))
}

func (s safeClient) EnrollMFA(ctx context.Context) (api.MFAEnrollment, error) {
	return answer(s.c.EnrollMFA(ctx))
}

func (s safeClient) EnableMFA(ctx context.Context, code string) ([]string, error) {
	return answer(s.c.EnableMFA(ctx, code))
}

func (s safeClient) DisableMFA(ctx context.Context, code string) error {
	return safeErr(s.c.DisableMFA(ctx, code))
}

func (s safeClient) MFAStatus(ctx context.Context) (api.MFAStatus, error) {
	return answer(s.c.MFAStatus(ctx))
}

func (s safeClient) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	return answer(s.c.RegenerateRecoveryCodes(ctx, code))
}

func (s safeClient) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	return safeErr(s.c.ChangePassword(ctx, oldPassword, newPassword))
}

func (s safeClient) LogoutAll(ctx context.Context) error { return safeErr(s.c.LogoutAll(ctx)) }

func (s safeClient) ListAPIKeys(ctx context.Context) ([]api.APIKey, error) {
	return answer(s.c.ListAPIKeys(ctx))
}

// CreateAPIKey cleans the answer too: a key is printable ASCII, so cleaning leaves it as issued.
func (s safeClient) CreateAPIKey(ctx context.Context, r client.APIKeyRequest) (api.NewAPIKey, error) {
	return answer(s.c.CreateAPIKey(ctx, r))
}

func (s safeClient) RevokeAPIKey(ctx context.Context, id string) error {
	return safeErr(s.c.RevokeAPIKey(ctx, id))
}

func (s safeClient) Resume(ctx context.Context, email string) (client.Session, error) {
	return answer(s.c.Resume(ctx, email))
}

func (s safeClient) Logout(ctx context.Context) error  { return safeErr(s.c.Logout(ctx)) }
func (s safeClient) Session() client.Session           { return cleaned(s.c.Session()) }
func (s safeClient) BreakerState() client.BreakerState { return s.c.BreakerState() }
func (s safeClient) EventsAvailable() bool             { return s.c.EventsAvailable() }
func (s safeClient) Legacy() bool                      { return s.c.Legacy() }
func (s safeClient) ApplyBalance(b api.Balance)        { s.c.ApplyBalance(b) }

// AccessToken, Refresh and BaseURL are for the events stream's connection, never shown: they
// pass unchanged (a token must stay byte for byte what the service issued).
func (s safeClient) AccessToken(ctx context.Context) (string, error) { return s.c.AccessToken(ctx) }
func (s safeClient) Refresh(ctx context.Context) (string, error)     { return s.c.Refresh(ctx) }
func (s safeClient) BaseURL() string                                 { return s.c.BaseURL() }
