package server

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
)

func TestWrongPasswordsAreRateLimited(t *testing.T) {
	e := newEnv(t, stillBudgets)
	ada, _ := e.payerAndPayee("")

	// 30 wrong passwords for one account within a minute: the first ones are 401, then 429.
	start := time.Now()
	var limited resp
	n401, n429 := 0, 0
	for i := range 30 {
		r := ada.signIn(fmt.Sprintf("guess number %d", i))
		switch r.status {
		case 401:
			n401++
		case 429:
			n429++
			limited = r
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	if time.Since(start) > time.Minute {
		t.Skip("too slow to test a per-minute limit")
	}
	if n401 != DefaultLimits.Account.Burst || n429 != 30-n401 {
		t.Fatalf("%d refused as wrong, %d limited", n401, n429)
	}
	limited.want(t, 429, api.CodeRateLimited)
	ra, err := strconv.Atoi(limited.header.Get(api.HeaderRetryAfter))
	if err != nil || ra < 1 || ra > 60 {
		t.Fatalf("Retry-After %q", limited.header.Get(api.HeaderRetryAfter))
	}
	// While limited, even the right password waits (it is not checked), by every way in.
	ada.signIn(testPassword).want(t, 429, api.CodeRateLimited)
	e.do("POST", "/auth/mfa/initiate", api.Credentials{Email: ada.email, Password: testPassword}).want(t, 429)
	e.do("GET", "/account", nil, "Authorization", basic(ada.email, "another guess")).want(t, 429)
	// Another account from the same address is not held up.
	e.login("bob@example.com", testPassword)
	// Once Retry-After has passed, the right password works (and clears the account's count).
	e.skew.Add(int64(time.Duration(ra) * time.Second))
	e.login(ada.email, testPassword)
	ada.signIn("one more guess").want(t, 401)

	// Wrong Basic passwords count the same way.
	for range DefaultLimits.Account.Burst {
		e.do("GET", "/account", nil, "Authorization", basic("bob@example.com", "basic guess")).want(t, 401)
	}
	e.do("GET", "/account", nil, "Authorization", basic("bob@example.com", "basic guess")).want(t, 429)
}

func TestRightLoginsAreNeverLimited(t *testing.T) {
	e := newEnv(t)
	ada := e.newUser("ada@example.com", "")
	var last string
	for range 30 {
		tk := ada.login()
		if tk.AccessToken == last {
			t.Fatal("same token twice")
		}
		last = tk.AccessToken
	}
	// A person who mistypes now and then, between right logins, is never held up either.
	for range 15 {
		ada.signIn("typo typo").want(t, 401)
		ada.login()
	}
	// And refreshing is free.
	tk := ada.login()
	for range 30 {
		var next api.Tokens
		e.refresh(tk.RefreshToken).want(t, 200).decode(t, &next)
		tk = next
	}
}

func TestAddressLimit(t *testing.T) {
	e := newEnv(t, stillBudgets)
	// Many accounts guessed from one address: the address runs out too.
	got429 := false
	for i := range DefaultLimits.Address.Burst + 5 {
		r := e.do("POST", "/auth/login", api.Credentials{Email: fmt.Sprintf("user%d@example.com", i), Password: "guess guess"})
		if r.status == 429 {
			got429 = true
			if i < DefaultLimits.Address.Burst {
				t.Fatalf("limited after %d", i)
			}
		}
	}
	if !got429 {
		t.Fatal("address never limited")
	}
	e.do("POST", "/auth/refresh", `{"refreshToken":"guess"}`).want(t, 401) // another kind of failure, its own budget
}

// A refresh token names its account only through its lookup, so a refused one (spent, revoked,
// expired) counts against that account after the fact: from fresh addresses, whose own budgets
// are whole, the account's budget still runs out, and then the answer is 429.
func TestRefusedRefreshTokensCountAgainstTheirAccount(t *testing.T) {
	e := newEnv(t, byHeader(nil), func(c *Config) { c.Limits = Limits{Account: Rate{PerMinute: 1, Burst: 3}} })
	tk := e.newUser("ada@example.com", "").login()
	e.refresh(tk.RefreshToken).want(t, 200) // tk's refresh token is spent now
	from := func(i int) []string { return []string{testAddrHeader, fmt.Sprintf("192.0.2.%d", i+1)} }
	for i := range 3 {
		e.do("POST", "/auth/refresh", api.RefreshRequest{RefreshToken: tk.RefreshToken}, from(i)...).
			want(t, 401, api.CodeUnauthenticated)
	}
	r := e.do("POST", "/auth/refresh", api.RefreshRequest{RefreshToken: tk.RefreshToken}, from(3)...)
	r.want(t, 429, api.CodeRateLimited)
	if r.header.Get(api.HeaderRetryAfter) == "" {
		t.Error("429 without Retry-After")
	}
}

// stillBudgets stops the budgets' refill clock at the start of the test, so a count of failures
// does not depend on how fast a loaded machine hashes them: under -race on two busy cores one
// login guess can take longer than a budget's refill interval (an address gets one back every
// 3 s), and then a limit the test exhausts refills while it is being exhausted.
// A test's skew (env.skew, added to Config.Now) still moves it, so a test can let a Retry-After
// pass.
func stillBudgets(c *Config) {
	start, now := time.Now(), c.Now
	if now == nil {
		now = time.Now
	}
	c.NewBudget = newMemoryBudget(func() time.Time {
		return start.Add(now().Sub(time.Now()).Round(time.Millisecond))
	})
}
