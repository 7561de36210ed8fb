package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/server/auth"
)

// Sign-in must not tell an unknown email from an existing account, or an account with MFA from
// one without, by the work it pays before answering a wrong password. The tests count that work
// (argon2id computations, account reads, MFA-state reads) for every way in: a count does not
// depend on how loaded the machine is. BenchmarkSignInPaths measures the time of the same paths
// against each other in one run.

// signInPath is one way into a password endpoint and the status it must answer.
type signInPath struct {
	name, path, email, pw string
	want                  int
}

// signInPaths: an unknown email, the system account, an account without MFA and one with MFA,
// with a wrong password and (for the accounts) the right one, at /auth/login and
// /auth/mfa/initiate.
func signInPaths() []signInPath {
	var ps []signInPath
	for _, p := range []struct {
		path                 string
		noMFARight, mfaRight int
	}{{"/auth/login", 200, 200}, {"/auth/mfa/initiate", 409, 200}} {
		ps = append(ps,
			signInPath{"unknown email", p.path, "nobody@example.com", "wrong password!", 401},
			signInPath{"system account", p.path, "system@syftbox.org", "wrong password!", 401},
			signInPath{"no MFA, wrong", p.path, "ada@example.com", "wrong password!", 401},
			signInPath{"MFA, wrong", p.path, "mfa@example.com", "wrong password!", 401},
			signInPath{"no MFA, right", p.path, "ada@example.com", testPassword, p.noMFARight},
			signInPath{"MFA, right", p.path, "mfa@example.com", testPassword, p.mfaRight},
		)
	}
	return ps
}

// work is what a request paid: argon2id computations, account reads by email, MFA-state reads.
type work struct{ hashes, accounts, mfa int64 }

func (w work) String() string {
	return fmt.Sprintf("%d hash, %d account read, %d MFA read", w.hashes, w.accounts, w.mfa)
}

// workEnv is a service with its own hasher (so that no other test's hashes are counted),
// counters on the stores, limits high enough for repeated wrong passwords, and two accounts, one
// with MFA. Its second result reads the work paid so far.
func workEnv(t testing.TB) (*env, func() work) {
	rc := &authCounts{}
	ar := &emailReads{}
	h, err := auth.NewHasherCapacity(auth.DefaultParams(), auth.Capacity{Concurrent: 2, MaxWait: time.Minute, MaxQueued: 100})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) {
		c.Hasher = h
		c.Limits = Limits{Account: Rate{PerMinute: 60000, Burst: 100000}, Address: Rate{PerMinute: 60000, Burst: 100000}}
		rc.hook(c)
		ar.hook(c)
	})
	e.newUser("ada@example.com", "")
	e.newUser("mfa@example.com", "").enableMFA()
	return e, func() work { return work{int64(h.Computed()), ar.n.Load(), rc.mfa.Load()} }
}

// TestSignInPathsPayTheSameWork: every way into /auth/login and /auth/mfa/initiate (the right
// password and wrong ones, a known email, the system account and an unknown email, with and
// without MFA) pays exactly one argon2id hash, one account read and one MFA-state read before it
// answers.
func TestSignInPathsPayTheSameWork(t *testing.T) {
	e, paid := workEnv(t)
	want := work{1, 1, 1}
	for _, p := range signInPaths() {
		before := paid()
		e.do("POST", p.path, api.Credentials{Email: p.email, Password: p.pw}).want(t, p.want)
		after := paid()
		got := work{after.hashes - before.hashes, after.accounts - before.accounts, after.mfa - before.mfa}
		if got != want {
			t.Errorf("%s, %s: %v, want %v", p.path, p.name, got, want)
		}
	}
}

var metricName = strings.NewReplacer("/auth/mfa/", "", "/auth/", "", " ", "_", ",", "")

// BenchmarkSignInPaths times every way of TestSignInPathsPayTheSameWork against the others in
// the same run: the paths are interleaved (each iteration sends one request down each), and each
// path's median is reported, with the slowest median over the fastest as spread (1.00 when
// nothing tells them apart).
//
//	go test -run '^$' -bench SignInPaths -benchtime 40x ./server/
func BenchmarkSignInPaths(b *testing.B) {
	e, _ := workEnv(b)
	paths := signInPaths()
	times := make([][]time.Duration, len(paths))
	b.ResetTimer()
	for range b.N {
		for i, p := range paths {
			t0 := time.Now()
			e.do("POST", p.path, api.Credentials{Email: p.email, Password: p.pw}).want(b, p.want)
			times[i] = append(times[i], time.Since(t0))
		}
	}
	b.StopTimer()
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for i, p := range paths {
		slices.Sort(times[i])
		med := times[i][len(times[i])/2]
		lo, hi = min(lo, med), max(hi, med)
		b.ReportMetric(float64(med.Microseconds())/1000, "ms/"+metricName.Replace(p.path+" "+p.name))
	}
	b.ReportMetric(float64(hi)/float64(lo), "spread")
}
