package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/ledger/ledgertest"
	"github.com/syftbox/syftwallet/ledger/postgres"
	"github.com/syftbox/syftwallet/ledger/postgres/pgtest"
	"github.com/syftbox/syftwallet/money"
	"github.com/syftbox/syftwallet/server/hub/hubtest"
)

// startInstances starts n instances of the service on one PostgreSQL database with one keys
// file, as a deployment behind a load balancer runs them.
func startInstances(t testing.TB, n int) (url string, keys string, svcs []*Service) {
	t.Helper()
	url = pgtest.URL(t)
	keys = filepath.Join(t.TempDir(), "keys.json")
	for i := 0; i < n; i++ {
		svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DatabaseURL: url, KeysPath: keys,
			AdminKey: "admin-key", EventsPerAddress: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Stop() })
		svcs = append(svcs, svc)
	}
	return url, keys, svcs
}

// served is the one table of the ways the service is run over HTTP by the tests and benchmarks
// that run on every store: instances as startServed takes it.
var served = []struct {
	name      string
	instances int // 0: SQLite
}{{"sqlite", 0}, {"postgres", 1}, {"postgres-3-instances", 3}}

// startServed starts the service as the benchmarks and the tests that run on both stores want
// it, with the admin key "admin-key", and returns its URLs: instances 0 is one instance on a SQLite
// ledger of its own, else that many instances on one PostgreSQL database (startInstances).
func startServed(t testing.TB, instances int) []string {
	t.Helper()
	if instances > 0 {
		_, _, svcs := startInstances(t, instances)
		urls := make([]string, len(svcs))
		for i, svc := range svcs {
			urls[i] = svc.URL
		}
		return urls
	}
	svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0",
		DBPath: filepath.Join(t.TempDir(), "ledger.db"), AdminKey: "admin-key"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop() })
	return []string{svc.URL}
}

type wallet struct {
	email, password string
	id              string
	token, refresh  string
}

// newWallet registers an account on svc, credits it and signs it in there.
func newWallet(t *testing.T, hc *http.Client, svc *Service, email string, credit string) *wallet {
	t.Helper()
	w := &wallet{email: email, password: "password-" + email}
	st, body, err := call(hc, "POST", svc.URL+"/user/create", "", map[string]any{"email": email, "password": w.password}, nil)
	if err != nil || st != 201 {
		t.Fatalf("create: %d %s %v", st, body, err)
	}
	if credit != "" {
		st, body, err = call(hc, "POST", svc.URL+"/user/add-balance", "Bearer admin-key",
			map[string]any{"recipientEmail": email, "amount": json.Number(credit)}, nil)
		if err != nil || st != 200 {
			t.Fatalf("add balance: %d %s %v", st, body, err)
		}
	}
	w.login(t, hc, svc)
	return w
}

func (w *wallet) login(t *testing.T, hc *http.Client, svc *Service) {
	t.Helper()
	st, body, err := call(hc, "POST", svc.URL+"/auth/login", "", api.Credentials{Email: w.email, Password: w.password}, nil)
	if err != nil || st != 200 {
		t.Fatalf("login: %d %s %v", st, body, err)
	}
	var lr api.LoginResponse
	if err := json.Unmarshal(body, &lr); err != nil {
		t.Fatal(err)
	}
	w.id, w.token, w.refresh = lr.User.ID, lr.AccessToken, lr.RefreshToken
}

// listen opens a WebSocket on svc for w, from the first event kept, and collects its frames.
type listener struct {
	mu     sync.Mutex
	events []api.Event
	closed chan int // the close code
	ws     *websocket.Conn
}

func listen(t *testing.T, svc *Service, w *wallet) *listener {
	t.Helper()
	ws, resp, err := hubtest.Dialer().Dial(hubtest.EventsURL(svc.URL, "since=0"), http.Header{"Authorization": {"Bearer " + w.token}})
	if err != nil {
		t.Fatalf("dial events: %v (%v)", err, resp)
	}
	l := &listener{closed: make(chan int, 1), ws: ws}
	t.Cleanup(func() { ws.Close() })
	go func() {
		for {
			var e api.Event
			if err := ws.ReadJSON(&e); err != nil {
				l.closed <- hubtest.CloseCode(err)
				return
			}
			if e.Type == api.EventHello {
				continue
			}
			l.mu.Lock()
			l.events = append(l.events, e)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *listener) seqs() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int64, len(l.events))
	for i, e := range l.events {
		out[i] = e.Seq
	}
	return out
}

// TestThreeInstancesOneLedger: three instances on one database, 64 payers spread over them over
// HTTP with duplicate idempotency keys, cycles and a hot account. Afterwards the money is all
// there, nothing is negative, each key paid once, every account's seqs are gap-free, and the
// WebSocket each account keeps on one instance received exactly its events, in order, once each:
// most of them committed by the other two instances.
func TestThreeInstancesOneLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("three service instances and a payment storm")
	}
	dbURL, _, svcs := startInstances(t, 3)
	hc := &http.Client{Timeout: 30 * time.Second}
	const nAcct, payers, perPayer = 6, 64, 12
	ws := make([]*wallet, nAcct)
	ls := make([]*listener, nAcct)
	for i := range ws {
		ws[i] = newWallet(t, hc, svcs[i%3], fmt.Sprintf("p%d@example.com", i), "1000")
		ls[i] = listen(t, svcs[i%3], ws[i])
	}
	type ack struct{ sender, key, id string }
	var mu sync.Mutex
	var acks []ack
	start := make(chan struct{})
	var wg sync.WaitGroup
	for p := 0; p < payers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			// Payers come in pairs on two instances making the same requests at the same time:
			// the same key races across instances, and must pay once.
			rng := rand.New(rand.NewPCG(uint64(p/2), 15))
			svc := svcs[p%3]
			<-start
			for i := 0; i < perPayer; i++ {
				from, to := ledgertest.HotPair(rng, nAcct)
				key := fmt.Sprintf("k%d-%d", to, rng.IntN(40)) // shared by payers on every instance
				amount := fmt.Sprintf("%d.%02d", rng.IntN(30), rng.IntN(100))
				st, body, err := call(hc, "POST", svc.URL+"/payments", "Bearer "+ws[from].token,
					map[string]any{"recipientEmail": ws[to].email, "amount": json.Number(amount)},
					map[string]string{api.HeaderIdempotencyKey: key})
				if err != nil {
					t.Error(err)
					return
				}
				switch st {
				case 201:
					var tb api.TransactionBody
					if err := json.Unmarshal(body, &tb); err != nil {
						t.Errorf("201 body: %s", body)
						return
					}
					mu.Lock()
					acks = append(acks, ack{ws[from].email, key, tb.Transaction.ID})
					mu.Unlock()
				case 400, 402, 409, 422: // a zero amount, no funds, the key in flight here, the key reused
				default:
					t.Errorf("payment: %d %s", st, body)
					return
				}
				if rng.IntN(4) == 0 { // a cycle back, without a key
					st, body, err := call(hc, "POST", svc.URL+"/payments", "Bearer "+ws[to].token,
						map[string]any{"recipientEmail": ws[from].email, "amount": json.Number("0.01")}, nil)
					if err != nil || (st != 201 && st != 402) {
						t.Errorf("cycle: %d %s %v", st, body, err)
						return
					}
				}
			}
		}(p)
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	// One more payment to each account, committed on an instance its socket is not on.
	for i := range ws {
		from := (i + 1) % nAcct
		st, body, err := call(hc, "POST", svcs[(i+1)%3].URL+"/payments", "Bearer "+ws[from].token,
			map[string]any{"recipientEmail": ws[i].email, "amount": json.Number("0.01")}, nil)
		if err != nil || (st != 201 && st != 402) {
			t.Fatalf("last payment: %d %s %v", st, body, err)
		}
	}

	ctx := context.Background()
	store, inv := checkedLedger(t, dbURL, "")
	if inv.SystemBalance != -1000*nAcct*1_000_000 {
		t.Fatalf("money created or destroyed: system balance %v", inv.SystemBalance)
	}
	perKey := map[string]string{}
	for _, a := range acks {
		k := a.sender + "/" + a.key
		if prev, ok := perKey[k]; ok && prev != a.id {
			t.Fatalf("key %s paid twice: %s and %s", k, prev, a.id)
		}
		perKey[k] = a.id
		if _, err := store.Transaction(ctx, a.id); err != nil {
			t.Fatalf("acknowledged payment %s: %v", a.id, err)
		}
	}
	t.Logf("%d payments acknowledged, %d distinct keys", len(acks), len(perKey))
	if len(acks) == len(perKey) {
		t.Fatal("no key was acknowledged twice: the storm did not race keys across instances")
	}

	for i, w := range ws {
		want, err := store.EventsAfter(ctx, w.id, 0, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second) // a bound for a broken feed, not a speed goal
		for len(ls[i].seqs()) < len(want) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		got := ls[i].seqs()
		if len(got) != len(want) {
			t.Fatalf("%s on instance %d received %d events, the outbox holds %d", w.email, i%3, len(got), len(want))
		}
		ls[i].mu.Lock()
		for j, e := range ls[i].events {
			if e.Seq != want[j].Seq || e.Seq != int64(j+1) || e.Type != want[j].Type {
				ls[i].mu.Unlock()
				t.Fatalf("%s event %d: got seq %d %s, want seq %d %s", w.email, j, e.Seq, e.Type, want[j].Seq, want[j].Type)
			}
		}
		ls[i].mu.Unlock()
	}
}

// TestRevocationReachesEveryInstance: a refresh token reused on instance 2 revokes the session
// there, and the session's socket on instance 1 closes with 4001.
func TestRevocationReachesEveryInstance(t *testing.T) {
	_, _, svcs := startInstances(t, 2)
	hc := &http.Client{Timeout: 30 * time.Second}
	w := newWallet(t, hc, svcs[0], "ada@example.com", "")
	l := listen(t, svcs[0], w)
	stale := w.refresh
	st, body, err := call(hc, "POST", svcs[1].URL+"/auth/refresh", "", api.RefreshRequest{RefreshToken: stale}, nil)
	if err != nil || st != 200 {
		t.Fatalf("refresh: %d %s %v", st, body, err)
	}
	began := time.Now()
	st, body, err = call(hc, "POST", svcs[1].URL+"/auth/refresh", "", api.RefreshRequest{RefreshToken: stale}, nil)
	if err != nil || st != 401 {
		t.Fatalf("reused refresh token: %d %s %v", st, body, err)
	}
	select {
	case code := <-l.closed:
		if code != api.CloseSessionRevoked {
			t.Fatalf("socket on instance 1 closed with %d, want %d", code, api.CloseSessionRevoked)
		}
		t.Logf("closed %v after the reuse on the other instance", time.Since(began))
	case <-time.After(30 * time.Second): // a bound for a broken feed, not a speed goal
		t.Fatal("the revoked session's socket on the other instance is still open")
	}
}

// TestKillOneInstanceMidStorm: two instances on one database, payers on both; one instance is
// killed (SIGKILL) while payments are in flight. The other keeps serving, and every payment
// either instance acknowledged with 201 is in the ledger, whose invariants hold.
func TestKillOneInstanceMidStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a service process")
	}
	dbURL, keys, svcs := startInstances(t, 1)
	cmd, childURL := startChild(t, filepath.Dir(keys), childDBEnv+"="+dbURL)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	urls := []string{childURL, svcs[0].URL}
	hc := &http.Client{Timeout: 10 * time.Second}
	const nAcct = 4
	ws := make([]*wallet, nAcct)
	for i := range ws {
		ws[i] = newWallet(t, hc, svcs[0], fmt.Sprintf("p%d@example.com", i), "1000")
	}
	type ack struct{ id string }
	var mu sync.Mutex
	var acks []ack
	survivorAcks := 0 // acknowledged by the survivor after the kill
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for p := 0; p < 16; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			url := urls[p%2]
			for i := 0; ; i++ {
				from, to := (p+i)%nAcct, (p+i+1)%nAcct
				st, body, err := call(hc, "POST", url+"/payments", "Bearer "+ws[from].token,
					map[string]any{"recipientEmail": ws[to].email, "amount": json.Number("0.01")},
					map[string]string{api.HeaderIdempotencyKey: fmt.Sprintf("p%d-%d", p, i)})
				if err != nil {
					return // the killed instance
				}
				if st != 201 && st != 402 {
					t.Errorf("payment: %d %s", st, body)
					return
				}
				if st != 201 {
					continue
				}
				var tb api.TransactionBody
				if err := json.Unmarshal(body, &tb); err != nil {
					t.Errorf("201 body: %s", body)
					return
				}
				mu.Lock()
				acks = append(acks, ack{tb.Transaction.ID})
				n := len(acks)
				select {
				case <-killed:
					if p%2 == 1 {
						survivorAcks++
					}
				default:
				}
				done := survivorAcks >= 200
				mu.Unlock()
				if n == 300 {
					cmd.Process.Signal(syscall.SIGKILL)
					close(killed)
				}
				if done {
					return
				}
			}
		}(p)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d payments acknowledged, %d of them by the survivor after the kill", len(acks), survivorAcks)
	ctx := context.Background()
	store, _ := checkedLedger(t, dbURL, " after the kill")
	for _, a := range acks {
		if _, err := store.Transaction(ctx, a.id); err != nil {
			t.Fatalf("acknowledged payment %s lost: %v", a.id, err)
		}
	}
}

// TestInstanceRefusesOtherKeys: an instance started on a shared database with keys that cannot
// open what the database holds (another keyset, or none) refuses to start, and says so; it never
// makes new keys of its own while the others serve with theirs.
func TestInstanceRefusesOtherKeys(t *testing.T) {
	dbURL, _, svcs := startInstances(t, 1)
	hc := &http.Client{Timeout: 30 * time.Second}
	newWallet(t, hc, svcs[0], "ada@example.com", "") // a live session, signed by the first keys
	for _, c := range []struct {
		name  string
		bytes []byte
		say   string
	}{{"missing", nil, "is missing"}, {"other", otherKeys(t), "holds other keys"}} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			if c.bytes != nil {
				if err := os.WriteFile(path, c.bytes, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			svc, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", DatabaseURL: dbURL, KeysPath: path})
			if err == nil {
				svc.Stop()
				t.Fatalf("an instance started with keys.json %s", c.name)
			}
			var ke *KeysError
			if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.say) {
				t.Fatalf("refusal: %v", err)
			}
			if _, err := os.Stat(path); c.bytes == nil && err == nil {
				t.Fatal("the refused instance wrote a keys file")
			}
		})
	}
}

// TestPasswordChangeReachesEveryInstance: instance 1 remembers a successful Basic check; the
// password is changed on instance 2; instance 1 then refuses the old password.
func TestPasswordChangeReachesEveryInstance(t *testing.T) {
	_, _, svcs := startInstances(t, 2)
	hc := &http.Client{Timeout: 30 * time.Second}
	w := newWallet(t, hc, svcs[0], "ada@example.com", "")
	basic := func(pw string) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(w.email, pw)
		return req.Header.Get("Authorization")
	}
	if st, body, err := call(hc, "GET", svcs[0].URL+"/user/my-info", basic(w.password), nil, nil); err != nil || st != 200 {
		t.Fatalf("basic on instance 1: %d %s %v", st, body, err)
	}
	st, body, err := call(hc, "PUT", svcs[1].URL+"/user/update-password", basic(w.password),
		map[string]any{"oldPassword": w.password, "newPassword": "another-long-password"}, nil)
	if err != nil || st != 200 {
		t.Fatalf("update password on instance 2: %d %s %v", st, body, err)
	}
	deadline := time.Now().Add(30 * time.Second) // a bound for a broken feed, not a speed goal
	for {
		st, _, err := call(hc, "GET", svcs[0].URL+"/user/my-info", basic(w.password), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance 1 still accepts the old password (%d)", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestListenReconnectsAndCatchesUp: the connection an instance listens on is cut (as a failover
// or a restart of PostgreSQL would); a payment committed on the other instance meanwhile still
// reaches the socket on the first one, once it has reconnected and caught up from the outbox.
func TestListenReconnectsAndCatchesUp(t *testing.T) {
	dbURL, _, svcs := startInstances(t, 2)
	hc := &http.Client{Timeout: 30 * time.Second}
	ada := newWallet(t, hc, svcs[1], "ada@example.com", "100")
	bob := newWallet(t, hc, svcs[0], "bob@example.com", "")
	l := listen(t, svcs[0], bob)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var cut int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, postgres.ListenerName).Scan(&cut); err != nil || cut != 2 {
		t.Fatalf("cut %d listening connections: %v", cut, err)
	}
	st, body, err := call(hc, "POST", svcs[1].URL+"/payments", "Bearer "+ada.token,
		map[string]any{"recipientEmail": bob.email, "amount": json.Number("1")}, nil)
	if err != nil || st != 201 {
		t.Fatalf("payment: %d %s %v", st, body, err)
	}
	deadline := time.Now().Add(30 * time.Second) // a bound for a broken feed, not a speed goal
	for {
		l.mu.Lock()
		got := false
		for _, e := range l.events {
			got = got || e.Type == api.EventPaymentReceived
		}
		l.mu.Unlock()
		if got {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the payment committed while the listener was cut never reached the socket")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAPIKeyRevocationReachesEveryInstance: an API key's event stream on instance 1 closes with
// 4001 when the key is revoked on instance 2, and a limit spent on one instance holds on the other.
func TestAPIKeyRevocationReachesEveryInstance(t *testing.T) {
	_, _, svcs := startInstances(t, 2)
	hc := &http.Client{Timeout: 30 * time.Second}
	w := newWallet(t, hc, svcs[0], "ada@example.com", "100")
	newWallet(t, hc, svcs[0], "bob@example.com", "")
	limit := money.Micros(3 * money.Scale)
	st, body, err := call(hc, "POST", svcs[0].URL+"/auth/api-keys", "Bearer "+w.token, api.CreateAPIKeyRequest{
		Name: "ci", Scopes: []string{api.ScopeRead, api.ScopePay},
		SpendLimit: &api.SpendLimit{Amount: &limit, Period: api.PeriodDay}}, nil)
	if err != nil || st != 201 {
		t.Fatalf("create key: %d %s %v", st, body, err)
	}
	var key api.NewAPIKey
	if err := json.Unmarshal(body, &key); err != nil {
		t.Fatal(err)
	}
	pay := func(svc *Service) int {
		st, body, err := call(hc, "POST", svc.URL+"/payments", "Bearer "+key.Key,
			map[string]any{"recipientEmail": "bob@example.com", "amount": json.Number("2")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pay with the key: %d %s", st, body)
		return st
	}
	if st := pay(svcs[0]); st != 201 {
		t.Fatalf("first payment with the key: %d", st)
	}
	if st := pay(svcs[1]); st == 201 {
		t.Fatal("the other instance let the key spend past its limit")
	}
	l := listen(t, svcs[0], &wallet{token: key.Key})
	st, body, err = call(hc, "DELETE", svcs[1].URL+"/auth/api-keys/"+key.ID, "Bearer "+w.token, nil, nil)
	if err != nil || st/100 != 2 {
		t.Fatalf("revoke key: %d %s %v", st, body, err)
	}
	select {
	case code := <-l.closed:
		if code != api.CloseSessionRevoked {
			t.Fatalf("key's socket on instance 1 closed with %d, want %d", code, api.CloseSessionRevoked)
		}
	case <-time.After(30 * time.Second): // a bound for a broken feed, not a speed goal
		t.Fatal("the revoked key's socket on the other instance is still open")
	}
}

// TestCachedSessionRevokedOnAnotherInstance: an access token instance 1 remembers (its session
// cache) is refused there once its session is signed out on instance 2: the cross-instance
// revocation reaches the cache as it reaches the WebSockets.
func TestCachedSessionRevokedOnAnotherInstance(t *testing.T) {
	_, _, svcs := startInstances(t, 2)
	hc := &http.Client{Timeout: 30 * time.Second}
	w := newWallet(t, hc, svcs[0], "ada@example.com", "")
	for range 3 { // remembered by instance 1 now
		if st, body, err := call(hc, "GET", svcs[0].URL+"/account", "Bearer "+w.token, nil, nil); err != nil || st != 200 {
			t.Fatalf("account: %d %s %v", st, body, err)
		}
	}
	if st, body, err := call(hc, "POST", svcs[1].URL+"/auth/logout", "Bearer "+w.token, nil, nil); err != nil || st != 204 {
		t.Fatalf("logout on instance 2: %d %s %v", st, body, err)
	}
	began := time.Now()
	for {
		st, body, err := call(hc, "GET", svcs[0].URL+"/account", "Bearer "+w.token, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st == 401 {
			t.Logf("refused on instance 1 %v after the logout on instance 2", time.Since(began))
			return
		}
		if st != 200 {
			t.Fatalf("account: %d %s", st, body)
		}
		if time.Since(began) > 30*time.Second { // a bound for a broken feed, not a speed goal
			t.Fatal("instance 1 still honours the session signed out on instance 2")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkedLedger opens the database the instances shared (closed when t ends) and fails t unless
// its invariants hold; when says when, for the failure.
func checkedLedger(t *testing.T, dbURL, when string) (*postgres.Store, ledger.Invariants) {
	t.Helper()
	ctx := context.Background()
	store, err := postgres.Open(ctx, dbURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	inv, err := store.Check(ctx)
	if err != nil || !inv.OK() {
		t.Fatalf("invariants%s: %+v %v", when, inv, err)
	}
	return store, inv
}
