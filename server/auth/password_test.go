package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

func newTestHasher(t testing.TB, maxConcurrent int) *Hasher {
	t.Helper()
	// A long wait limit: these tests are about hashing, not the queue's bounds.
	h, err := NewHasherCapacity(DefaultParams(), Capacity{Concurrent: maxConcurrent, MaxWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashVerify(t *testing.T) {
	h := newTestHasher(t, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !phcRE.MatchString(enc) {
		t.Fatalf("hash %q is not the expected PHC string", enc)
	}
	if ok, err := h.Verify(ctx, enc, "correct horse"); err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	for _, wrong := range []string{"correct hors", "Correct horse", "", "correct horse "} {
		if ok, err := h.Verify(ctx, enc, wrong); err != nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want false", wrong, ok, err)
		}
	}
	enc2, _ := h.Hash(ctx, "correct horse")
	if enc2 == enc {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	if h.NeedsRehash(enc) {
		t.Error("NeedsRehash of a fresh hash")
	}
}

// TestVerifyReadsParams checks Verify uses the parameters in the string, with
// a hash computed independently of Hasher.
func TestVerifyReadsParams(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("pw"), salt, 3, 8192, 2, 32)
	enc := fmt.Sprintf("$argon2id$v=19$m=8192,t=3,p=2$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))
	h := newTestHasher(t, 1)
	if ok, err := h.Verify(context.Background(), enc, "pw"); err != nil || !ok {
		t.Fatalf("Verify(foreign params) = %v, %v", ok, err)
	}
	if ok, _ := h.Verify(context.Background(), enc, "px"); ok {
		t.Fatal("wrong password accepted")
	}
	if !h.NeedsRehash(enc) {
		t.Error("NeedsRehash should report other parameters")
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := newTestHasher(t, 1)
	good, _ := h.Hash(context.Background(), "pw")
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, enc := range map[string]string{
		"empty":       "",
		"argon2i":     with(1, "argon2i"),
		"version":     with(2, "v=16"),
		"order":       with(3, "t=2,m=19456,p=1"),
		"no threads":  with(3, "m=19456,t=2,p=0"),
		"huge memory": with(3, "m=99999999,t=2,p=1"),
		"huge time":   with(3, "m=19456,t=100000,p=1"),
		"extra":       with(3, "m=19456,t=2,p=1,x=1"),
		"bad salt":    with(4, "!!!"),
		"short salt":  with(4, "AAAA"),
		"padded key":  with(5, parts[5]+"="),
		"short key":   with(5, "AAAAAAAA"),
		"extra part":  good + "$x",
	} {
		if ok, err := h.Verify(context.Background(), enc, "pw"); ok || !errors.Is(err, ErrInvalidHash) {
			t.Errorf("%s: Verify = %v, %v; want ErrInvalidHash", name, ok, err)
		}
	}
}

func TestNewHasherRefusesWeakParams(t *testing.T) {
	for _, mod := range []func(*Params){
		func(p *Params) { p.Memory = 4096 },
		func(p *Params) { p.Time = 1 },
		func(p *Params) { p.Threads = 0 },
		func(p *Params) { p.SaltLen = 8 },
		func(p *Params) { p.KeyLen = 16 },
	} {
		p := DefaultParams()
		mod(&p)
		if _, err := NewHasher(p, 1); !errors.Is(err, ErrWeakParams) {
			t.Errorf("NewHasher(%+v) err = %v; want ErrWeakParams", p, err)
		}
	}
	p := DefaultParams()
	p.Time = 3
	if _, err := NewHasher(p, 1); err != nil {
		t.Errorf("stronger params refused: %v", err)
	}
}

// TestConcurrencyCap holds the only slot and checks that every hashing call
// waits for it and gives up when its context ends.
func TestConcurrencyCap(t *testing.T) {
	h := newTestHasher(t, 1)
	good, _ := h.Hash(context.Background(), "pw")
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(context.Context) error{
		"Hash":         func(ctx context.Context) error { _, err := h.Hash(ctx, "pw"); return err },
		"Verify":       func(ctx context.Context) error { _, err := h.Verify(ctx, good, "pw"); return err },
		"VerifyAbsent": func(ctx context.Context) error { return h.VerifyAbsent(ctx, "pw") },
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		err := call(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with no free slot: err = %v; want deadline exceeded", name, err)
		}
	}
	// Freed, a waiting call proceeds.
	done := make(chan error, 1)
	go func() { done <- calls["Hash"](context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	h.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A cancelled context fails at once even with a free slot.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
}

func TestConcurrentHashing(t *testing.T) {
	h := newTestHasher(t, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Go(func() {
			pw := fmt.Sprintf("password-%d", i)
			enc, err := h.Hash(context.Background(), pw)
			if err != nil {
				errs <- err
				return
			}
			if ok, err := h.Verify(context.Background(), enc, pw); !ok || err != nil {
				errs <- fmt.Errorf("%s: verify = %v, %v", pw, ok, err)
			}
			h.q.mu.Lock()
			if h.q.free < 0 || h.q.free > 2 {
				errs <- errors.New("slots out of range")
			}
			h.q.mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestVerifyAbsentCostsTheSame checks VerifyAbsent really runs argon2id: a
// shortcut would be thousands of times faster than Verify.
func TestVerifyAbsentCostsTheSame(t *testing.T) {
	h := newTestHasher(t, 1)
	ctx := context.Background()
	enc, _ := h.Hash(ctx, "pw")
	if h.NeedsRehash(h.dummy) {
		t.Fatal("dummy hash does not use the hasher's parameters")
	}
	fastest := func(f func()) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	verify := fastest(func() { h.Verify(ctx, enc, "wrong") })
	absent := fastest(func() {
		if err := h.VerifyAbsent(ctx, "wrong"); err != nil {
			t.Fatal(err)
		}
	})
	if absent < verify/3 {
		t.Fatalf("VerifyAbsent took %v, Verify %v: unknown emails are distinguishable", absent, verify)
	}
}

func TestGeneratePassword(t *testing.T) {
	re := regexp.MustCompile(`^[a-z2-7]{7}(-[a-z2-7]{7}){3}$`)
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 500 {
		pw, err := GeneratePassword()
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(pw) {
			t.Fatalf("password %q has the wrong shape", pw)
		}
		if seen[pw] {
			t.Fatalf("duplicate password %q", pw)
		}
		seen[pw] = true
		for _, c := range strings.ReplaceAll(pw, "-", "") {
			chars[c] = true
		}
	}
	if bits := 28 * 5; bits < 128 {
		t.Fatalf("only %d bits", bits)
	}
	if len(chars) != 32 {
		t.Errorf("only %d of 32 symbols used in 500 passwords", len(chars))
	}
}

func BenchmarkHash(b *testing.B) {
	h := newTestHasher(b, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// queued is how many callers wait in lane l.
func (q *queue) queued(l int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting[l])
}

func waitQueued(q *queue, l, n int) {
	for q.queued(l) < n {
		time.Sleep(time.Millisecond)
	}
}

// TestQueueBounds: with the only slot taken, a caller waits at most MaxWait, and a full lane
// refuses at once; both with ErrBusy. The other lane is bounded on its own.
func TestQueueBounds(t *testing.T) {
	p := DefaultParams()
	h, err := NewHasherCapacity(p, Capacity{Concurrent: 1, MaxWait: 20 * time.Millisecond, MaxQueued: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := h.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.VerifyAbsent(ctx, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("waited past MaxWait: err = %v; want ErrBusy", err)
	}
	// Two callers wait (a long wait this time); the third is refused without waiting.
	h2, _ := NewHasherCapacity(p, Capacity{Concurrent: 1, MaxWait: time.Minute, MaxQueued: 2})
	h2.acquire(ctx)
	errs := make(chan error, 3)
	for range 2 {
		go func() { errs <- h2.VerifyAbsent(ctx, "pw") }()
	}
	waitQueued(h2.q, laneGeneral, 2)
	start := time.Now()
	if err := h2.VerifyAbsent(ctx, "pw"); !errors.Is(err, ErrBusy) || time.Since(start) > 10*time.Second {
		t.Fatalf("full queue: err = %v after %v; want ErrBusy at once", err, time.Since(start))
	}
	// The priority lane has its own room.
	go func() { errs <- h2.VerifyAbsent(WithPriority(ctx), "pw") }()
	waitQueued(h2.q, lanePriority, 1)
	h2.release()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if h2.q.free != 1 {
		t.Fatalf("free slots %d after all released", h2.q.free)
	}
}

// TestPriorityLaneGoesFirst: when a slot frees, a waiting priority caller gets it before general
// callers that queued earlier.
func TestPriorityLaneGoesFirst(t *testing.T) {
	h, err := NewHasherCapacity(DefaultParams(), Capacity{Concurrent: 1, MaxWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h.acquire(ctx)
	order := make(chan string, 4)
	run := func(name string, ctx context.Context) {
		if err := h.acquire(ctx); err != nil {
			order <- err.Error()
			return
		}
		order <- name
		h.release()
	}
	for i := range 3 {
		go run(fmt.Sprintf("general %d", i), ctx)
		waitQueued(h.q, laneGeneral, i+1)
	}
	go run("priority", WithPriority(ctx))
	waitQueued(h.q, lanePriority, 1)
	h.release()
	want := []string{"priority", "general 0", "general 1", "general 2"}
	for _, w := range want {
		if got := <-order; got != w {
			t.Fatalf("got %q, want %q (order %v)", got, w, want)
		}
	}
}

// TestGiveUpPassesTheSlotOn: a waiter that times out as it is handed a slot does not lose it.
func TestGiveUpPassesTheSlotOn(t *testing.T) {
	h, err := NewHasherCapacity(DefaultParams(), Capacity{Concurrent: 2, MaxWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := h.acquire(context.Background()); err == nil {
				time.Sleep(time.Millisecond)
				h.release()
			}
		})
	}
	wg.Wait()
	if h.q.free != 2 || h.q.queued(laneGeneral) != 0 {
		t.Fatalf("after the storm: %d free, %d waiting", h.q.free, h.q.queued(laneGeneral))
	}
}

// TestReservedSlotIsForPriority: with 2 slots and 1 reserved, general callers use one slot at a
// time, and a priority caller finds the other free.
func TestReservedSlotIsForPriority(t *testing.T) {
	h, err := NewHasherCapacity(DefaultParams(), Capacity{Concurrent: 2, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := h.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.acquire(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("a second general caller took the reserved slot: %v", err)
	}
	if err := h.acquire(WithPriority(ctx)); err != nil {
		t.Fatalf("priority caller with the reserved slot free: %v", err)
	}
	// Both released: a waiting general caller gets a slot.
	done := make(chan error, 1)
	h2, _ := NewHasherCapacity(DefaultParams(), Capacity{Concurrent: 2, MaxWait: time.Minute})
	h2.acquire(ctx)
	go func() { done <- h2.acquire(ctx) }()
	waitQueued(h2.q, laneGeneral, 1)
	h2.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.release()
	h.release()
	if h.q.free != 2 {
		t.Fatalf("%d free", h.q.free)
	}
}

// TestKnownLaneGoesFirst: with the priority lane full, a known caller still has room, and when a
// slot frees it goes to the known caller before priority and general callers that queued earlier.
func TestKnownLaneGoesFirst(t *testing.T) {
	h, err := NewHasherCapacity(DefaultParams(), Capacity{Concurrent: 1, MaxWait: time.Minute, MaxQueued: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h.acquire(ctx)
	order := make(chan string, 5)
	var wg sync.WaitGroup
	run := func(name string, ctx context.Context) {
		wg.Go(func() {
			if err := h.acquire(ctx); err != nil {
				order <- err.Error()
				return
			}
			order <- name
			h.release()
		})
	}
	run("general", ctx)
	waitQueued(h.q, laneGeneral, 1)
	for i := range 2 {
		run(fmt.Sprintf("priority %d", i), WithPriority(ctx))
		waitQueued(h.q, lanePriority, i+1)
	}
	if err := h.acquire(WithPriority(ctx)); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third priority caller: %v; want ErrBusy (lane full)", err)
	}
	run("known", WithKnown(ctx))
	waitQueued(h.q, laneKnown, 1)
	h.release()
	for _, w := range []string{"known", "priority 0", "priority 1", "general"} {
		if got := <-order; got != w {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
	wg.Wait()
	h.q.mu.Lock()
	free := h.q.free
	h.q.mu.Unlock()
	if free != 1 {
		t.Fatalf("%d free", free)
	}
}
