package server

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// Rate limits on sign-in (api.md: 429 rate_limited with Retry-After).
//
// Only FAILED attempts count: a wrong password (Basic, /auth/login, /auth/mfa/initiate, the old
// password of a password change), a wrong or replayed second-factor code (/auth/mfa/verify,
// enable, disable), an unknown challenge, a refresh token that is unknown, spent, revoked or
// expired. Each failure is counted against the client's address and, when the attempt names an
// account, against that account; a key over its limit is refused with 429 before any password is
// hashed. A success clears the account's count, never the address's (an attacker could otherwise
// reset it by signing in to an account of their own between guesses). Someone who signs in
// correctly, however often, is never held up.
//
// Three kinds of failure are kept apart, so that a mistyped TOTP code does not count against the
// password: "pw" (passwords), "mfa" (second-factor codes and challenges), "rt" (refresh tokens).

// Rate is a token bucket of failed attempts: Burst at once, refilled at PerMinute.
type Rate struct {
	PerMinute int
	Burst     int
}

// Limits are the failure budgets of one account and of one client address.
type Limits struct {
	Account Rate
	Address Rate
}

// DefaultLimits: an account may fail 10 times at once, then once every 12 s; an address (which
// may be a whole office behind NAT) 50 times at once, then 20 a minute.
var DefaultLimits = Limits{
	Account: Rate{PerMinute: 5, Burst: 10},
	Address: Rate{PerMinute: 20, Burst: 50},
}

func (l Limits) withDefaults() Limits {
	if l.Account.PerMinute <= 0 {
		l.Account.PerMinute = DefaultLimits.Account.PerMinute
	}
	if l.Account.Burst <= 0 {
		l.Account.Burst = DefaultLimits.Account.Burst
	}
	if l.Address.PerMinute <= 0 {
		l.Address.PerMinute = DefaultLimits.Address.PerMinute
	}
	if l.Address.Burst <= 0 {
		l.Address.Burst = DefaultLimits.Address.Burst
	}
	return l
}

type limiters struct {
	account *auth.FailureLimiter
	address *auth.FailureLimiter
}

func newLimiters(l Limits, now func() time.Time) *limiters {
	return &limiters{
		account: auth.NewFailureLimiter(l.Account.PerMinute, l.Account.Burst, now),
		address: auth.NewFailureLimiter(l.Address.PerMinute, l.Address.Burst, now),
	}
}

// Failure kinds.
const (
	kindPassword = "pw"
	kindMFA      = "mfa"
	kindRefresh  = "rt"
)

// attempt is the limiter keys of one sign-in attempt. account is "" when the attempt names no
// account (yet).
type attempt struct {
	l       *limiters
	kind    string
	address string
	account string
}

func (s *Server) attempt(r *http.Request, kind, account string) *attempt {
	return &attempt{l: s.limits, kind: kind, address: s.cfg.ClientAddr(r), account: account}
}

func (a *attempt) accountKey() string { return a.kind + ":" + a.account }
func (a *attempt) addressKey() string { return a.kind + ":" + a.address }

// check refuses with 429 when the address or the account is over its limit.
func (a *attempt) check() error {
	wait := time.Duration(0)
	if ok, d := a.l.address.Check(a.addressKey()); !ok {
		wait = d
	}
	if a.account != "" {
		if ok, d := a.l.account.Check(a.accountKey()); !ok && d > wait {
			wait = d
		}
	}
	if wait > 0 {
		return rateLimited(wait, "Too many failed attempts: try again in "+humanWait(wait)+".")
	}
	return nil
}

// fail counts a failed attempt against the address and the account.
func (a *attempt) fail() {
	a.l.address.Fail(a.addressKey())
	if a.account != "" {
		a.l.account.Fail(a.accountKey())
	}
}

// succeed clears the account's failures (not the address's).
func (a *attempt) succeed() {
	if a.account != "" {
		a.l.account.Succeed(a.accountKey())
	}
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

// remoteHost is the default Config.ClientAddr: the host of r.RemoteAddr. An IPv6 client counts
// as its /64, which one machine usually has to itself.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
