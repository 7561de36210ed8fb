package server

import (
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
	"github.com/syftbox/syftwallet/server/clientaddr"
	"github.com/syftbox/syftwallet/testkit"
)

// Bursts: many attempts fired at once (a start barrier, one goroutine each, real HTTP against the
// real service and a real SQLite ledger), counting how many were evaluated. A limit that checks
// before the slow work and counts after it lets them all through; one that reserves first cannot.

// testAddrHeader names the client address in tests that play several clients (see byHeader).
const testAddrHeader = "X-Test-Client"

// byHeader makes the service take the client's address from testAddrHeader (default the real
// remote host), and counts the calls, which happen as a request reaches the limits.
func byHeader(calls *atomic.Int64) func(*Config) {
	return func(c *Config) {
		c.ClientAddr = func(r *http.Request) string {
			if calls != nil {
				calls.Add(1)
			}
			if a := r.Header.Get(testAddrHeader); a != "" {
				return a
			}
			return clientaddr.Host(r)
		}
	}
}

// burst runs n requests at once (after a common start) and returns their answers in order.
func (e *env) burst(n int, req func(i int) (resp, error)) []resp {
	e.t.Helper()
	out := make([]resp, n)
	errs := make([]error, n)
	testkit.Together(n, func(i int) { out[i], errs[i] = req(i) })
	for _, err := range errs {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// tally counts answers by status.
func tally(rs []resp) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.status]++
	}
	return m
}

// waitFor blocks until c reaches n (the other requests of a burst have reached the limits).
func waitFor(c *atomic.Int64, n int64) {
	for c.Load() < n {
		runtime.Gosched()
	}
}

// wrongPasswordsThenRight sends 59 wrong passwords for ada at once through try, and the right
// one as soon as the 59 have reached the limits: no more than the account's burst is evaluated,
// the rest is 429, and so is the right password.
func wrongPasswordsThenRight(t *testing.T, try func(e *env, ada *user, pw string) (resp, error)) {
	var arrived atomic.Int64
	e := newEnv(t, byHeader(&arrived))
	ada := e.newUser("ada@example.com", "")
	const n = 60
	arrived.Store(0)
	rs := e.burst(n, func(i int) (resp, error) {
		pw := fmt.Sprintf("wrong guess %d", i)
		if i == n-1 {
			waitFor(&arrived, n-1)
			pw = testPassword
		}
		return try(e, ada, pw)
	})
	c := tally(rs)
	t.Logf("evaluated %d (401) + %d (200), limited %d, of %d at once", c[401], c[200], c[429], n)
	if c[401]+c[200] > DefaultLimits.Account.Burst || c[401]+c[200]+c[429] != n {
		t.Fatalf("%d evaluated of %d at once (burst %d): %v", c[401]+c[200], n, DefaultLimits.Account.Burst, c)
	}
	if rs[n-1].status != 429 {
		t.Fatalf("the right password as guess %d: %d %s", n, rs[n-1].status, rs[n-1].body)
	}
}

func TestBurstOfWrongPasswordsOnOneAccount(t *testing.T) {
	wrongPasswordsThenRight(t, func(e *env, ada *user, pw string) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: ada.email, Password: pw})
	})
}

func TestBurstOfWrongBasicPasswordsOnOneAccount(t *testing.T) {
	wrongPasswordsThenRight(t, func(e *env, ada *user, pw string) (resp, error) {
		return e.send("GET", "/account", nil, "Authorization", basic(ada.email, pw))
	})
}

func TestBurstOfGuessesOnManyAccountsFromOneAddress(t *testing.T) {
	e := newEnv(t, stillBudgets)
	const n = 100
	rs := e.burst(n, func(i int) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: fmt.Sprintf("user%d@example.com", i), Password: "guess guess"})
	})
	c := tally(rs)
	t.Logf("evaluated %d (401), limited %d, of %d at once", c[401], c[429], n)
	if c[401] > DefaultLimits.Address.Burst || c[401]+c[429] != n {
		t.Fatalf("%d evaluated of %d at once (address burst %d): %v", c[401], n, DefaultLimits.Address.Burst, c)
	}
}

func TestBurstOfBadRefreshTokensFromOneAddress(t *testing.T) {
	var rc authCounts
	e := newEnv(t, rc.hook)
	const n = 200
	rs := e.burst(n, func(i int) (resp, error) {
		return e.send("POST", "/auth/refresh", api.RefreshRequest{RefreshToken: fmt.Sprintf("not-a-token-%d", i)})
	})
	c := tally(rs)
	t.Logf("evaluated %d, answered %d x 401 and %d x 429, of %d at once", rc.rotate.Load(), c[401], c[429], n)
	if rc.rotate.Load() > int64(DefaultLimits.Address.Burst) || c[401]+c[429] != n {
		t.Fatalf("%d evaluated of %d at once (address burst %d): %v", rc.rotate.Load(), n, DefaultLimits.Address.Burst, c)
	}
}

// mfaBurstEnv has the memory limits out of the way (the store's own budgets must hold) and counts
// the codes checked.
func mfaBurstEnv(t *testing.T) (*env, *authCounts) {
	fc := &authCounts{}
	e := newEnv(t, func(c *Config) {
		c.Limits = Limits{Account: Rate{PerMinute: 6000, Burst: 1000}, Address: Rate{PerMinute: 6000, Burst: 1000}}
		fc.hook(c)
	})
	return e, fc
}

func TestBurstOfCodesOnOneChallenge(t *testing.T) {
	e, fc := mfaBurstEnv(t)
	ada := e.newUser("ada@example.com", "")
	secret, _ := ada.enableMFA()
	ch := e.challenge(ada.email, testPassword)
	wrong := e.wrongCode(secret)
	const n = 40
	rs := e.burst(n, func(int) (resp, error) {
		return e.send("POST", "/auth/mfa/verify", api.MFAVerifyRequest{ChallengeID: ch, Code: wrong})
	})
	for _, r := range rs {
		if r.status != 401 && r.status != 429 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	t.Logf("checked %d of %d codes at once on one challenge", fc.failed.Load(), n)
	if fc.failed.Load() > int64(challengePolicy.MaxWrong) {
		t.Fatalf("%d codes checked on one challenge (at most %d)", fc.failed.Load(), challengePolicy.MaxWrong)
	}
	// The challenge is dead: even the right code is refused.
	e.verify(ch, e.code(secret)).want(t, 401)
}

func TestBurstOfCodesAcrossChallengesLocksAfterTen(t *testing.T) {
	e, fc := mfaBurstEnv(t)
	ada := e.newUser("ada@example.com", "")
	secret, _ := ada.enableMFA()
	// Someone with the password opens four challenges and sends 5 codes to each at once.
	var chs []string
	for range 4 {
		chs = append(chs, e.challenge(ada.email, testPassword))
	}
	wrong := e.wrongCode(secret)
	e.burst(20, func(i int) (resp, error) {
		return e.send("POST", "/auth/mfa/verify", api.MFAVerifyRequest{ChallengeID: chs[i%4], Code: wrong})
	})
	t.Logf("checked %d of 20 codes at once over 4 challenges", fc.failed.Load())
	if fc.failed.Load() > int64(challengePolicy.LockAfter) {
		t.Fatalf("%d codes checked before the lock (at most %d)", fc.failed.Load(), challengePolicy.LockAfter)
	}
	if st := stored(e, e.store.MFA, ada.id); !st.LockedUntil.After(e.now()) {
		t.Fatalf("MFA not locked after a burst of wrong codes: %+v", st)
	}
	ada.signIn(testPassword).want(t, 429, api.CodeRateLimited)
}

// registerBurst is DefaultLimits.Register.Burst: registrations one address may make at once.
const registerBurst = 20

// cleanAddressBurst is DefaultLimits.CleanAddress.Burst: guesses from addresses without failures
// that an account over its own budget may take at once.
const cleanAddressBurst = 10

func TestBurstOfRegistrationsFromOneAddress(t *testing.T) {
	e := newEnv(t, byHeader(nil))
	const n = 40
	rs := e.burst(n, func(i int) (resp, error) {
		return e.send("POST", "/auth/register", map[string]any{"email": fmt.Sprintf("new%d@example.com", i), "password": testPassword})
	})
	c := tally(rs)
	t.Logf("registered %d, limited %d, of %d at once from one address", c[201], c[429], n)
	if c[201] > registerBurst || c[201]+c[429] != n {
		t.Fatalf("%d registrations of %d at once from one address (burst %d): %v", c[201], n, registerBurst, c)
	}
	for _, r := range rs {
		if r.status == 429 && r.header.Get(api.HeaderRetryAfter) == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	// Another address is not held up.
	e.do("POST", "/user/create", map[string]any{"email": "other@example.com", "password": testPassword},
		testAddrHeader, "198.51.100.9").want(t, 201)
}

// from is the header pair that names a client address (with byHeader).
func from(addr string) []string { return []string{testAddrHeader, addr} }

func TestTargetedLockoutLetsTheOwnerIn(t *testing.T) {
	e := newEnv(t, byHeader(nil), stillBudgets)
	ada := e.newUser("ada@example.com", "")
	const attacker = "203.0.113.66"
	// The attacker's wrong passwords empty the account's budget...
	for range DefaultLimits.Account.Burst {
		ada.signIn("guess guess", from(attacker)...).want(t, 401)
	}
	ada.signIn("guess guess", from(attacker)...).want(t, 429)
	// ...and the owner, from an address with no failures, still signs in (paying the hash), by
	// each way in.
	ada.signIn(testPassword, from("198.51.100.7")...).want(t, 200)
	// The success cleared the account: the attacker empties it again.
	for range DefaultLimits.Account.Burst {
		ada.signIn("guess guess", from(attacker)...).want(t, 401)
	}
	// The attacker's address, which failed, is still stopped, even with the right password.
	ada.signIn(testPassword, from(attacker)...).want(t, 429)
	e.do("GET", "/account", nil, append(from(attacker), "Authorization", basic(ada.email, "guess guess"))...).want(t, 429)
	// So is a fresh address of the attacker once it has failed against the account.
	ada.signIn("guess guess", from("203.0.113.67")...).want(t, 401)
	ada.signIn("guess guess", from("203.0.113.67")...).want(t, 429)
	// The owner by Basic, from another clean address.
	e.do("GET", "/account", nil, append(from("198.51.100.8"), "Authorization", basic(ada.email, testPassword))...).want(t, 200)
}

func TestTargetedLockoutFromManyAddressesIsCapped(t *testing.T) {
	e := newEnv(t, byHeader(nil), stillBudgets)
	ada := e.newUser("ada@example.com", "")
	for range DefaultLimits.Account.Burst {
		ada.signIn("guess guess", from("203.0.113.66")...).want(t, 401)
	}
	// A distributed attacker: every guess from a fresh address, all at once. The account's
	// second budget, for addresses without failures, caps them.
	const n = 40
	rs := e.burst(n, func(i int) (resp, error) {
		return e.send("POST", "/auth/login", api.Credentials{Email: ada.email, Password: "guess guess"},
			from(fmt.Sprintf("192.0.2.%d", i+1))...)
	})
	c := tally(rs)
	t.Logf("fresh addresses: evaluated %d, limited %d, of %d at once", c[401], c[429], n)
	if c[401] > cleanAddressBurst || c[401]+c[429] != n {
		t.Fatalf("%d guesses from fresh addresses evaluated (at most %d): %v", c[401], cleanAddressBurst, c)
	}
	// While both budgets are spent, nobody gets in: the rule's price, documented.
	ada.signIn(testPassword, from("198.51.100.7")...).want(t, 429)
	// Once the second budget refills a little, the owner's right password from a clean address works.
	e.skew.Add(int64(time.Minute))
	ada.signIn(testPassword, from("198.51.100.7")...).want(t, 200)
}

// tightHasher has one slot, one place per lane and a long wait: a lane is full as soon as one
// caller waits in it.
func tightHasher(t *testing.T) func(*Config) {
	h, err := auth.NewHasherCapacity(auth.DefaultParams(), auth.Capacity{Concurrent: 1, MaxWait: 10 * time.Second, MaxQueued: 1})
	if err != nil {
		t.Fatal(err)
	}
	return func(c *Config) { c.Hasher = h }
}

// flood sends one request after another from each of workers goroutines until stop is closed,
// request i from the fresh address 10.w.x.y, and counts their answers.
func (e *env) flood(stop chan struct{}, workers int, send func(i int64, from []string) (resp, error)) (wait func() map[int]int) {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	var n atomic.Int64
	for w := range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := n.Add(1)
				r, err := send(i, from(fmt.Sprintf("10.%d.%d.%d", w, i/250, i%250)))
				if err != nil {
					return
				}
				mu.Lock()
				got[r.status]++
				mu.Unlock()
			}
		})
	}
	return func() map[int]int { wg.Wait(); return got }
}

// registrationFlood keeps registrations (the general lane) coming from fresh addresses.
func (e *env) registrationFlood(stop chan struct{}, workers int) (wait func() map[int]int) {
	return e.flood(stop, workers, func(i int64, from []string) (resp, error) {
		return e.send("POST", "/user/create", map[string]any{"email": fmt.Sprintf("flood%d@example.com", i), "password": testPassword}, from...)
	})
}

func TestFullHashQueueIs503AndRefundsRegistration(t *testing.T) {
	e := newEnv(t, byHeader(nil), tightHasher(t))
	const n = 12
	rs := e.burst(n, func(i int) (resp, error) {
		return e.send("POST", "/user/create", map[string]any{"email": fmt.Sprintf("new%d@example.com", i), "password": testPassword},
			from("192.0.2.10")...)
	})
	c := tally(rs)
	t.Logf("%d at once on a one-slot hasher: %v", n, c)
	if c[503] == 0 || c[201]+c[503] != n {
		t.Fatalf("want some 503 and the rest 201: %v", c)
	}
	for _, r := range rs {
		if r.status == 503 {
			r.want(t, 503, api.CodeUnavailable)
			if r.header.Get(api.HeaderRetryAfter) == "" {
				t.Fatal("503 without Retry-After")
			}
		}
	}
	// A registration refused for a full queue gave its token back: the address has
	// burst - (the 201s) registrations left.
	left := 0
	for i := range registerBurst + 1 {
		r := e.do("POST", "/user/create", map[string]any{"email": fmt.Sprintf("later%d@example.com", i), "password": testPassword},
			from("192.0.2.10")...)
		if r.status == 429 {
			break
		}
		r.want(t, 201)
		left++
	}
	if left != registerBurst-c[201] {
		t.Fatalf("%d registrations left after %d succeeded; burst %d", left, c[201], registerBurst)
	}
}

// TestCleanSignInsKeepTheirShareOfHashing: while registrations keep the hasher's general lane
// full, a sign-in from a clean address to a clean account still gets a hash (priority lane); a
// wrong password from an address that has failed waits in the general lane and is refused 503.
func TestCleanSignInsKeepTheirShareOfHashing(t *testing.T) {
	e := newEnv(t, byHeader(nil), tightHasher(t))
	ada := e.newUser("ada@example.com", "")
	e.do("POST", "/auth/login", api.Credentials{Email: "bob@example.com", Password: "guess guess"}, from("203.0.113.5")...).want(t, 401)
	stop := make(chan struct{})
	wait := e.registrationFlood(stop, 4)
	// Until the flood is refused for a full queue, and then some.
	var failing []int
	for range 8 {
		failing = append(failing, e.do("POST", "/auth/login", api.Credentials{Email: "bob@example.com", Password: "guess guess"},
			from("203.0.113.5")...).status)
		ada.signIn(testPassword, from("198.51.100.20")...).want(t, 200)
	}
	close(stop)
	got := wait()
	t.Logf("flood answers %v; a failing address's guesses %v", got, failing)
	if got[503] == 0 {
		t.Fatalf("the flood never filled the queue: %v", got)
	}
	if tally503(failing) == 0 {
		t.Fatalf("a failing address's guesses were never held back: %v", failing)
	}
}

func tally503(sts []int) int {
	n := 0
	for _, s := range sts {
		if s == 503 {
			n++
		}
	}
	return n
}
