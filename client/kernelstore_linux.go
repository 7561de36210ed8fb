//go:build linux

package client

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// KernelStore keeps secrets in the Linux kernel's persistent keyring of the user: kernel
// memory, never a file, shared by every process of the user (a script's next command, another
// SSH login) and kept until it has gone unused for
// /proc/sys/kernel/keys/persistent_keyring_expiry (three days by default). It is the keyring of
// a headless machine, a container or an SSH session, where there is no Secret Service: there a
// session signed in by `syftwallet login` would otherwise end with the command.
//
// Entries are "user" keys described "syftwallet:" and the name KeyringStore would use
// (email@server, last@server); other users cannot read them, as with the Secret Service. Its
// TokenStore and LastAccountStore methods are entryStore's.
type KernelStore struct {
	entryStore
	mu sync.Mutex
	// ring links the keyring into the calling thread's process keyring, which makes the thread
	// its possessor (a possessor may search, read and write it; other processes of the user
	// only see it), and returns its id. Credentials, keyrings included, belong to each OS
	// thread in Linux, so every operation runs on one locked thread: ring, then its calls.
	ring func() (int, error)
	// persistent is set for the user's persistent keyring, clear for the user keyring (the
	// fallback on a kernel without persistent keyrings).
	persistent bool
}

const kernelPrefix = KeyringService + ":"

// persistentRing is the user's persistent keyring, linked into the calling thread's process
// keyring.
func persistentRing() (int, error) {
	return unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
}

// userRing is the user keyring: kept while the user has a process on the machine. It is named
// by its special id, through which the calling process always possesses it (its own
// permissions let only a possessor search, read and write it).
func userRing() (int, error) {
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true); err != nil {
		return 0, err
	}
	return unix.KEY_SPEC_USER_KEYRING, nil
}

// newKernelStore opens the user's persistent keyring, else (a kernel without
// CONFIG_PERSISTENT_KEYRINGS) the user keyring, or reports that the kernel has none to offer
// (keyctl filtered by a container's seccomp profile).
func newKernelStore() (TokenStore, bool) {
	for _, k := range []*KernelStore{kernelStoreOn(persistentRing, true), kernelStoreOn(userRing, false)} {
		if err := k.on(func(int) error { return nil }); err == nil {
			return k, true
		}
	}
	return nil, false
}

// kernelStoreOn is a KernelStore on the keyring ring opens; persistent says whether that is the
// user's persistent keyring.
func kernelStoreOn(ring func() (int, error), persistent bool) *KernelStore {
	k := &KernelStore{ring: ring, persistent: persistent}
	k.entryStore = entryStore{entries: k, what: "kernel keyring"}
	return k
}

// expiryFile holds how long (seconds) the kernel keeps a persistent keyring nobody uses.
const expiryFile = "/proc/sys/kernel/keys/persistent_keyring_expiry"

// kernelKind is StoreKernel for a KernelStore.
func kernelKind(s TokenStore) string {
	if _, ok := s.(*KernelStore); ok {
		return StoreKernel
	}
	return ""
}

// describeKernel fills in which kernel keyring s is and how long it keeps an unused session.
func describeKernel(s TokenStore, r *StoreReport) {
	k, ok := s.(*KernelStore)
	if !ok {
		return
	}
	r.KernelRing = "user"
	if !k.persistent {
		return
	}
	r.KernelRing = "persistent"
	if b, err := os.ReadFile(expiryFile); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			r.Expiry = time.Duration(n) * time.Second
		}
	}
}

// on runs f with the keyring's id, on one OS thread that possesses the keyring.
func (k *KernelStore) on(f func(ring int) error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ring, err := k.ring()
	if err != nil {
		return fmt.Errorf("client: open kernel keyring: %w", err)
	}
	return f(ring)
}

var (
	_ TokenStore       = (*KernelStore)(nil)
	_ LastAccountStore = (*KernelStore)(nil)
)

// find is the id of the entry named user in ring, or ErrNotFound.
func find(ring int, user string) (int, error) {
	id, err := unix.KeyctlSearch(ring, "user", kernelPrefix+user, 0)
	switch {
	case errors.Is(err, unix.ENOKEY), errors.Is(err, unix.EKEYEXPIRED), errors.Is(err, unix.EKEYREVOKED):
		return 0, ErrNotFound
	case err != nil:
		return 0, fmt.Errorf("client: search kernel keyring entry %s: %w", user, err)
	}
	return id, nil
}

func (k *KernelStore) get(user string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []byte
	err := k.on(func(ring int) error {
		id, err := find(ring, user)
		if err != nil {
			return err
		}
		buf := make([]byte, 512)
		for {
			n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
			if err != nil {
				return fmt.Errorf("client: read kernel keyring entry %s: %w", user, err)
			}
			if n <= len(buf) {
				out = buf[:n]
				return nil
			}
			buf = make([]byte, n) // longer than the buffer: read it again, whole
		}
	})
	return out, err
}

func (k *KernelStore) set(user string, value []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.on(func(ring int) error {
		// add_key replaces the payload of an entry of the same type and description in the ring.
		if _, err := unix.AddKey("user", kernelPrefix+user, value, ring); err != nil {
			return fmt.Errorf("client: write kernel keyring entry %s: %w", user, err)
		}
		return nil
	})
}

func (k *KernelStore) delete(user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.on(func(ring int) error {
		id, err := find(ring, user)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// Invalidate rather than unlink: the entry is gone at once, whichever keyrings link it.
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil && !errors.Is(err, unix.ENOKEY) {
			return fmt.Errorf("client: delete kernel keyring entry %s: %w", user, err)
		}
		return nil
	})
}
