package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// Rate limits on sign-in and registration (api.md: 429 rate_limited with Retry-After).
//
// Every attempt that could fail (a password at Basic, /auth/login, /auth/mfa/initiate or a
// password change; a second-factor code at /auth/mfa/verify, enable, disable; a challenge; a
// refresh token) takes a token from its budgets BEFORE it is evaluated, and gives it back when it
// turns out to be no failure. So however many attempts arrive at once, no more are evaluated than
// the budgets hold, and the right password as guess 60 of a burst is refused like the other 49
// beyond the burst. A budget is a token bucket (Rate) per key:
//
//   - address: the client's address (Config.ClientAddr), for every attempt;
//   - account: the account the attempt names, when it names one;
//   - clean: a second, separate budget per account, for passwords from addresses that have no
//     recent failure (below);
//   - register: registrations (/user/create, /auth/register) per address; these are counted
//     whether they succeed or not, as each pays a hash.
//
// A success gives its tokens back and clears the account's budget, never the address's (an
// attacker could otherwise reset it by signing in to an account of their own between guesses).
// Signing in correctly, however often, spends nothing.
//
// Targeted lockout: when the account's budget is spent, a password is still evaluated if it comes
// from a clean address (the address's budget is whole: no failure from it within its refill time
// and nothing in flight; and it has failed no password against this account in the last minutes,
// see pairRate), taking a token from the account's clean budget instead. So an attacker's wrong
// passwords do not lock the owner out, while the addresses that made them stay stopped; an
// attacker with many fresh addresses is capped by the clean budget (and, while it is spent,
// holds the owner up too: the price of not knowing which address is the owner's).
//
// Known places: a password from an (account, address) pair that signed in with the right password
// recently (known.go) hashes before every other caller, and is evaluated even when both of the
// account's budgets are spent, until it fails once. A flood from fresh addresses cannot imitate
// it, so the owner signing in again from home is held up neither by such a flood nor by the
// lockout it would cause.
//
// Three kinds of failure are kept apart, so that a mistyped TOTP code does not count against the
// password: "pw" (passwords), "mfa" (second-factor codes and challenges), "rt" (refresh tokens).
// The second-factor budgets of a challenge (5 codes) and of an account (10 in a row, then a
// 15-minute lock) are kept in the AuthStore and reserved there the same way (mfa.go).

// Rate is a token bucket of attempts: Burst at once, refilled at PerMinute.
type Rate struct {
	PerMinute int
	Burst     int
}

// Limits are the attempt budgets of sign-in and registration.
type Limits struct {
	Account      Rate // failures per account
	Address      Rate // failures per client address
	CleanAddress Rate // passwords from clean addresses per account, once Account is spent
	Register     Rate // registrations per client address
}

// DefaultLimits: an account may fail 10 times at once, then once every 12 s; an address (which
// may be a whole office behind NAT) 50 times at once, then 20 a minute. Once an account's budget
// is spent, clean addresses may still try 10 passwords at once, then 5 a minute. An address may
// register 20 accounts at once, then one a minute.
var DefaultLimits = Limits{
	Account:      Rate{PerMinute: 5, Burst: 10},
	Address:      Rate{PerMinute: 20, Burst: 50},
	CleanAddress: Rate{PerMinute: 5, Burst: 10},
	Register:     Rate{PerMinute: 1, Burst: 20},
}

// pairRate remembers the passwords an address failed against one account: each failure for a
// minute, up to ten minutes. An address with such a failure is not clean for that account.
var pairRate = Rate{PerMinute: 1, Burst: 10}

func (r Rate) or(d Rate) Rate {
	if r.PerMinute <= 0 {
		r.PerMinute = d.PerMinute
	}
	if r.Burst <= 0 {
		r.Burst = d.Burst
	}
	return r
}

func (l Limits) withDefaults() Limits {
	l.Account = l.Account.or(DefaultLimits.Account)
	l.Address = l.Address.or(DefaultLimits.Address)
	l.CleanAddress = l.CleanAddress.or(DefaultLimits.CleanAddress)
	l.Register = l.Register.or(DefaultLimits.Register)
	return l
}

// A Budget is a token bucket of attempts per key, all with one Rate. Take spends a token before
// an attempt is evaluated (reporting whether the key's budget was whole before: no recent failure
// and nothing in flight); Refund gives it back when the attempt was no failure; Clear forgets a
// key's failures. auth.FailureLimiter keeps budgets in memory, for one instance of the service;
// several instances share one limit through an implementation over a shared store
// (Config.NewBudget), which must make Take atomic per key: server/redisbudget, on Redis, which
// `serve --redis` uses.
type Budget interface {
	Take(ctx context.Context, key string) (auth.Taken, error)
	Refund(ctx context.Context, key string) error
	Clear(ctx context.Context, key string) error
}

// Budget names, for Config.NewBudget.
const (
	budgetAccount  = "account"
	budgetAddress  = "address"
	budgetClean    = "clean"
	budgetPair     = "pair"
	budgetRegister = "register"
)

// newMemoryBudget is the default Config.NewBudget.
func newMemoryBudget(now func() time.Time) func(string, Rate) Budget {
	return func(_ string, r Rate) Budget { return auth.NewFailureLimiter(r.PerMinute, r.Burst, now) }
}

type limiters struct {
	account, address, clean, pair, register Budget
}

func newLimiters(l Limits, mk func(string, Rate) Budget) *limiters {
	return &limiters{
		account:  mk(budgetAccount, l.Account),
		address:  mk(budgetAddress, l.Address),
		clean:    mk(budgetClean, l.CleanAddress),
		pair:     mk(budgetPair, pairRate),
		register: mk(budgetRegister, l.Register),
	}
}

// Failure kinds.
const (
	kindPassword = "pw"
	kindMFA      = "mfa"
	kindRefresh  = "rt"
)

// attempt is one attempt that may fail, and the tokens it holds. account is "" when the attempt
// names no account (yet). Use: reserve (or reserveAccount once the account is known), defer
// release, then fail or succeed once it has been evaluated; release gives back whatever an
// attempt that was never evaluated still holds.
type attempt struct {
	s       *Server
	kind    string
	address string
	account string

	held      []held
	addrWhole bool   // the address's budget was whole when this attempt took from it
	whole     bool   // and the account's too: nothing marks this attempt as part of an attack
	known     bool   // a password from a pair that signed in before (known.go)
	hashTag   string // for passwords: a tag of the account's stored hash, so that places are known per password
	settled   bool
}

type held struct {
	b   Budget
	key string
}

func (s *Server) attempt(r *http.Request, kind, account string) *attempt {
	return &attempt{s: s, kind: kind, address: s.cfg.ClientAddr(r), account: account}
}

func (a *attempt) accountKey() string { return a.kind + ":" + a.account }
func (a *attempt) addressKey() string { return a.kind + ":" + a.address }
func (a *attempt) pairKey() string    { return a.kind + ":" + a.account + "\x00" + a.address }
func (a *attempt) knownKey() string   { return a.pairKey() + "\x00" + a.hashTag }

func (a *attempt) take(ctx context.Context, b Budget, key string) (auth.Taken, error) {
	t, err := b.Take(ctx, key)
	if err != nil {
		return t, err
	}
	if t.OK {
		a.held = append(a.held, held{b, key})
	}
	return t, nil
}

// reserve takes the attempt's tokens: the address's, then (when the attempt names an account) the
// account's. It answers 429 with Retry-After, holding nothing, when a budget is spent.
func (a *attempt) reserve(ctx context.Context) error {
	t, err := a.take(ctx, a.s.limits.address, a.addressKey())
	if err != nil {
		return err
	}
	if !t.OK {
		return tooManyFailures(t.RetryAfter)
	}
	a.addrWhole, a.whole = t.Whole, t.Whole
	if a.account == "" {
		return nil
	}
	return a.reserveAccount(ctx)
}

// reserveAccount takes the account's token, once reserve has taken the address's. A password
// from a clean address may take from the account's clean budget instead, and one from a known
// pair that has not failed since needs neither (see the top of the file and known.go).
func (a *attempt) reserveAccount(ctx context.Context) error {
	l := a.s.limits
	pairWhole := false
	if a.kind == kindPassword {
		a.known = a.hashTag != "" && a.s.known.has(a.knownKey())
		// The pair's budget only remembers failures; it refuses nothing.
		t, err := a.take(ctx, l.pair, a.pairKey())
		if err != nil {
			a.release(ctx)
			return err
		}
		pairWhole = t.OK && t.Whole
		// One attempt at a time per known place: others in flight from it are classed as usual.
		a.known = a.known && pairWhole
	}
	t, err := a.take(ctx, l.account, a.accountKey())
	if err != nil {
		a.release(ctx)
		return err
	}
	if t.OK {
		a.whole = a.whole && t.Whole
		return nil
	}
	if a.known {
		a.whole = false
		return nil
	}
	wait := t.RetryAfter
	if a.kind == kindPassword && a.addrWhole && pairWhole {
		c, err := a.take(ctx, l.clean, a.accountKey())
		if err != nil {
			a.release(ctx)
			return err
		}
		if c.OK {
			a.whole = false
			return nil
		}
		wait = max(wait, c.RetryAfter)
	}
	a.release(ctx)
	return tooManyFailures(wait)
}

// hashContext is ctx for the attempt's password hash: the hasher's known lane for a known pair,
// its priority lane when nothing marks the attempt as part of an attack.
func (a *attempt) hashContext(ctx context.Context) context.Context {
	if a.known {
		return auth.WithKnown(ctx)
	}
	if a.whole {
		return auth.WithPriority(ctx)
	}
	return ctx
}

// fail settles the attempt as a failure: its tokens stay spent, and a known pair is known no more.
func (a *attempt) fail() {
	a.held, a.settled = nil, true
	if a.kind == kindPassword && a.hashTag != "" {
		a.s.known.failed(a.knownKey())
	}
}

// failedFor counts a failed attempt against account, known only once the attempt was evaluated
// (a refresh token names its account only through its lookup): the account's token is taken
// after the fact and stays spent, and once the account's budget is spent the answer is 429. An
// empty account is nothing to count.
func (a *attempt) failedFor(ctx context.Context, account string) error {
	if account == "" {
		return nil
	}
	a.account = account
	t, err := a.s.limits.account.Take(ctx, a.accountKey())
	if err != nil {
		return err
	}
	if !t.OK {
		return tooManyFailures(t.RetryAfter)
	}
	return nil
}

// succeed settles the attempt as a success: its tokens come back and the account's failures are
// forgotten (the address's are not).
func (a *attempt) succeed(ctx context.Context) {
	a.giveBack(ctx)
	a.settled = true
	if a.account != "" {
		a.logged(a.s.limits.account.Clear(context.WithoutCancel(ctx), a.accountKey()))
		if a.kind == kindPassword {
			a.logged(a.s.limits.pair.Clear(context.WithoutCancel(ctx), a.pairKey()))
			if a.hashTag != "" {
				a.s.known.signedIn(a.knownKey())
			}
		}
	}
}

// release gives back what an attempt that was not settled still holds; a no-op once settled.
func (a *attempt) release(ctx context.Context) {
	if !a.settled {
		a.giveBack(ctx)
	}
}

func (a *attempt) giveBack(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	for _, h := range a.held {
		a.logged(h.b.Refund(ctx, h.key))
	}
	a.held = nil
}

func (a *attempt) logged(err error) {
	if err != nil {
		a.s.log.Warn("rate limit store", "error", err.Error())
	}
}

func tooManyFailures(wait time.Duration) error {
	return rateLimited(wait, "Too many failed attempts: try again in "+humanWait(wait)+".")
}

// reserveRegistration takes a registration token of the client's address. The token stays spent
// (a registration pays a hash whether it succeeds or not) unless refund is called: for one that
// never reached the hash.
func (s *Server) reserveRegistration(r *http.Request) (refund func(), err error) {
	ctx := r.Context()
	key := s.cfg.ClientAddr(r)
	t, err := s.limits.register.Take(ctx, key)
	if err != nil {
		return nil, err
	}
	if !t.OK {
		return nil, rateLimited(t.RetryAfter, "Too many new accounts from this address: try again in "+humanWait(t.RetryAfter)+".")
	}
	return func() {
		if err := s.limits.register.Refund(context.WithoutCancel(ctx), key); err != nil {
			s.log.Warn("rate limit store", "error", err.Error())
		}
	}, nil
}

// errHashBusy: the password hasher's queue is full (auth.ErrBusy).
var errHashBusy = &retryError{
	e:     &api.Error{Code: api.CodeUnavailable, Message: "The service is busy checking passwords: try again in a few seconds."},
	after: 2 * time.Second,
}

// hashFailed maps an error of the hasher: ErrBusy is 503 unavailable with Retry-After.
func hashFailed(err error) error {
	if errors.Is(err, auth.ErrBusy) {
		return errHashBusy
	}
	return err
}

// retryError is an *api.Error that also tells the client when to try again: s.fail turns it into
// a Retry-After header (whole seconds, rounded up).
type retryError struct {
	e     *api.Error
	after time.Duration
}

func (r *retryError) Error() string { return r.e.Error() }
func (r *retryError) Unwrap() error { return r.e }

func rateLimited(after time.Duration, msg string) error {
	return &retryError{e: &api.Error{Code: api.CodeRateLimited, Message: msg}, after: after}
}

// setRetryAfter writes the Retry-After of err, if it carries one.
func setRetryAfter(w http.ResponseWriter, err error) {
	var re *retryError
	if errors.As(err, &re) {
		w.Header().Set(api.HeaderRetryAfter, strconv.Itoa(retrySeconds(re.after)))
	}
}

func retrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

func humanWait(d time.Duration) string {
	s := retrySeconds(d)
	switch {
	case s == 1:
		return "1 second"
	case s < 120:
		return fmt.Sprintf("%d seconds", s)
	default:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
}
