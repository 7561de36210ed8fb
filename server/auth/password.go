package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns the OWASP minimum for argon2id: m=19456 KiB, t=2, p=1,
// a 16-byte salt and a 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Limits applied to parameters parsed out of a stored hash, so a corrupt or
// hostile row cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

var (
	// ErrInvalidHash means a stored hash is not a well-formed argon2id PHC string.
	ErrInvalidHash = errors.New("auth: malformed password hash")
	// ErrWeakParams means NewHasher was given parameters below the OWASP minimum.
	ErrWeakParams = errors.New("auth: argon2id parameters below the OWASP minimum")
)

var b64 = base64.RawStdEncoding

// ErrBusy means no hashing slot came free within the wait limit, or too many
// callers were waiting already: the service is overloaded and the caller should
// answer "try again shortly" rather than queue for seconds.
var ErrBusy = errors.New("auth: password hashing is busy")

// Capacity bounds a Hasher's work and its queue.
type Capacity struct {
	Concurrent int           // argon2id computations at once; default (and at least) 1
	MaxWait    time.Duration // longest wait for a slot before ErrBusy; default DefaultMaxWait
	MaxQueued  int           // callers waiting per lane before ErrBusy; default DefaultQueuePerSlot per slot
	// Reserved slots are for the known and priority lanes only: however full the general lane, a
	// priority caller then finds a slot free or soon free. Default a quarter of the slots, rounded
	// up, when there are two or more (1 of 2); negative for none.
	Reserved int
}

// Queue defaults: a burst that cannot be hashed within a couple of seconds is
// refused rather than left waiting.
const (
	DefaultMaxWait      = 2 * time.Second
	DefaultQueuePerSlot = 32
)

// Hasher hashes and verifies passwords with argon2id. At most
// Capacity.Concurrent hashes run at once (each costs Params.Memory KiB).
// Callers beyond that wait in one of three lanes, each first come first
// served: whenever a slot frees it goes to the known lane (a context from
// WithKnown: a sign-in from where the account signed in before), else the
// priority lane (WithPriority: nothing marks it as an attack), else the
// general lane. Capacity.Reserved slots are kept for the known and priority
// lanes alone, so that a flood of other hashing (registrations, attempts from
// addresses that have failed) cannot take every slot; and a flood that looks
// clean (every attempt from a fresh address) fills the priority lane only, so
// a known caller still waits at most for the hashes already running. A caller
// gives up with ErrBusy after Capacity.MaxWait or when its lane already holds
// Capacity.MaxQueued callers, and with its context's error when that ends. A
// Hasher is safe for concurrent use.
type Hasher struct {
	params Params
	q      *queue
	dummy  string // a hash of a random password, for VerifyAbsent
	// computed counts the argon2id computations run, for Computed.
	computed atomic.Uint64
}

// NewHasher returns a Hasher that creates hashes with p and runs at most
// maxConcurrent argon2id computations at a time (at least 1), with the default
// wait limits. Parameters weaker than DefaultParams in any respect are refused
// with ErrWeakParams.
func NewHasher(p Params, maxConcurrent int) (*Hasher, error) {
	return NewHasherCapacity(p, Capacity{Concurrent: maxConcurrent})
}

// NewHasherCapacity is NewHasher with the queue's limits spelled out; zero
// fields take their defaults.
func NewHasherCapacity(p Params, c Capacity) (*Hasher, error) {
	floor := DefaultParams()
	if p.Memory < floor.Memory || p.Time < floor.Time || p.Threads < floor.Threads ||
		p.SaltLen < floor.SaltLen || p.KeyLen < floor.KeyLen ||
		p.Memory > maxMemory || p.Time > maxTime || p.SaltLen > maxSaltLen || p.KeyLen > maxKeyLen {
		return nil, ErrWeakParams
	}
	if c.Concurrent < 1 {
		c.Concurrent = 1
	}
	if c.MaxWait <= 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = DefaultQueuePerSlot * c.Concurrent
	}
	switch {
	case c.Reserved < 0 || c.Concurrent < 2:
		c.Reserved = 0
	case c.Reserved == 0:
		c.Reserved = (c.Concurrent + 3) / 4
	case c.Reserved >= c.Concurrent:
		c.Reserved = c.Concurrent - 1
	}
	h := &Hasher{params: p, q: &queue{free: c.Concurrent, reserved: c.Reserved, maxWait: c.MaxWait, maxQueued: c.MaxQueued}}
	filler := make([]byte, 32)
	rand.Read(filler)
	h.dummy = h.encode(filler)
	return h, nil
}

type laneKey struct{}

// WithPriority marks ctx's hashing for the priority lane: for sign-ins that
// nothing marks as an attack (no recent failures, nothing in flight), so that a
// flood of other hashing does not hold them up.
func WithPriority(ctx context.Context) context.Context {
	return context.WithValue(ctx, laneKey{}, lanePriority)
}

// WithKnown marks ctx's hashing for the known lane, served before every other:
// for a sign-in from an address that signed in to the same account before, which
// a flood cannot imitate without the account's password.
func WithKnown(ctx context.Context) context.Context {
	return context.WithValue(ctx, laneKey{}, laneKnown)
}

func lane(ctx context.Context) int {
	if l, ok := ctx.Value(laneKey{}).(int); ok {
		return l
	}
	return laneGeneral
}

// The lanes, in the order a freed slot is handed out.
const (
	laneKnown = iota
	lanePriority
	laneGeneral
	lanes
)

// queue is a counting semaphore with three FIFO lanes of waiters. A freed slot
// is handed straight to the first known waiter, else the first priority
// waiter, else the first general waiter unless it is one of the reserved slots.
type queue struct {
	maxWait   time.Duration
	maxQueued int
	reserved  int // free slots the general lane may not take

	mu      sync.Mutex
	free    int
	waiting [lanes][]*waiter
}

type waiter struct {
	ready   chan struct{}
	granted bool // set (with mu held) when a slot was handed over
}

func (q *queue) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := lane(ctx)
	q.mu.Lock()
	if q.free > q.floor(l) && len(q.waiting[l]) == 0 {
		q.free--
		q.mu.Unlock()
		return nil
	}
	if len(q.waiting[l]) >= q.maxQueued {
		q.mu.Unlock()
		return ErrBusy
	}
	w := &waiter{ready: make(chan struct{})}
	q.waiting[l] = append(q.waiting[l], w)
	q.mu.Unlock()

	timer := time.NewTimer(q.maxWait)
	defer timer.Stop()
	var err error
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = ErrBusy
	}
	q.mu.Lock()
	if w.granted { // handed a slot as we gave up: pass it on
		q.mu.Unlock()
		q.release()
		return err
	}
	for i, o := range q.waiting[l] {
		if o == w {
			q.waiting[l] = append(q.waiting[l][:i], q.waiting[l][i+1:]...)
			break
		}
	}
	q.mu.Unlock()
	return err
}

// floor is how many slots must stay free after a caller of lane l takes one.
func (q *queue) floor(l int) int {
	if l == laneGeneral {
		return q.reserved
	}
	return 0
}

func (q *queue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.free++
	for l := range q.waiting {
		if len(q.waiting[l]) > 0 && q.free > q.floor(l) {
			w := q.waiting[l][0]
			q.waiting[l] = q.waiting[l][1:]
			q.free--
			w.granted = true
			close(w.ready)
			return
		}
	}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password with a fresh random salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (raw standard base64).
// It fails only when ctx ends while waiting for a free slot, or with ErrBusy.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode([]byte(password)), nil
}

// Verify reports whether password matches encoded, a PHC string made by Hash
// (with these or any other sane parameters; they are read from encoded). The
// comparison is constant-time. A malformed encoded gives ErrInvalidHash.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	h.computed.Add(1)
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Computed is how many argon2id computations this Hasher has run (Hash, Verify and
// VerifyAbsent each run one): the work a request paid, which is what makes two ways through
// sign-in indistinguishable, counted rather than timed.
func (h *Hasher) Computed() uint64 { return h.computed.Load() }

// VerifyAbsent does the work of Verify against a fixed dummy hash and throws
// the answer away. Call it when the account does not exist, so that an
// unknown email costs as much time as a wrong password.
func (h *Hasher) VerifyAbsent(ctx context.Context, password string) error {
	_, err := h.Verify(ctx, h.dummy, password)
	return err
}

// NeedsRehash reports whether encoded was made with parameters other than
// this Hasher's (or is malformed), so the caller can store a fresh Hash after
// the next successful Verify.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != h.params
}

func (h *Hasher) acquire(ctx context.Context) error { return h.q.acquire(ctx) }

func (h *Hasher) release() { h.q.release() }

func (h *Hasher) encode(password []byte) string {
	p := h.params
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	h.computed.Add(1)
	key := argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses "$argon2id$v=19$m=..,t=..,p=..$salt$key".
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, ErrInvalidHash
	}
	var threads uint32
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !ok || i >= len(want) || name != want[i] {
			return p, nil, nil, ErrInvalidHash
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return p, nil, nil, ErrInvalidHash
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			threads = uint32(n)
		}
	}
	salt, err1 := b64.Strict().DecodeString(parts[4])
	key, err2 := b64.Strict().DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return p, nil, nil, ErrInvalidHash
	}
	p.Threads = uint8(threads)
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if p.Time < 1 || p.Time > maxTime || threads < 1 || threads > 255 ||
		p.Memory < 8*threads || p.Memory > maxMemory ||
		len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, ErrInvalidHash
	}
	return p, salt, key, nil
}

// GeneratePassword returns a random password of 140 bits (28 characters of
// lowercase base32 from crypto/rand) in four dash-separated groups of seven,
// e.g. "k3v7q2a-mzpx4rt-b6nw5ye-c2hjs7d": easy to copy and to type.
func GeneratePassword() (string, error) {
	return randomGroups(4, 7), nil
}

// base32Alphabet is RFC 4648 base32 in lower case: no 0, 1, 8 or 9 to confuse.
const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// randomGroups returns groups*size uniform base32 characters (5 bits each)
// joined in groups by dashes.
func randomGroups(groups, size int) string {
	raw := make([]byte, groups*size)
	rand.Read(raw)
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%size == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(base32Alphabet[c&31]) // 256 is a multiple of 32: uniform
	}
	return b.String()
}
