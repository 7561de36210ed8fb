package sshhost

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"

	"github.com/syftbox/syftwallet/app"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/ui"
)

// walletKey files a session's wallet in its ssh.Context, from admit to program.
type walletKey struct{}

// endReason is why a wallet ended.
type endReason int

const (
	endQuit     endReason = iota // the person quit, or left
	endShutdown                  // the host is shutting down
	endIdle                      // no keypress for the idle timeout
	endFailed                    // the wallet could not start
)

// logoutTimeout bounds ending a session's sign-in at the service when its SSH session ends.
const logoutTimeout = 5 * time.Second

// wallet is one SSH session's wallet: its client (tokens in memory only), its root model and
// its program.
type wallet struct {
	host *Host
	id   uint64
	sess ssh.Session

	lastInput atomic.Int64 // unix nanoseconds of the last keypress, paste or click

	mu     sync.Mutex
	reason endReason
	prog   *tea.Program
	model  *ui.Model
	client *client.Client
	cancel context.CancelFunc
	idle   *time.Timer
}

// program builds the session's wallet program (bubbletea.ProgramHandler); nil ends the session
// without one, and admit says why.
func (h *Host) program(s ssh.Session) *tea.Program {
	w, _ := s.Context().Value(walletKey{}).(*wallet)
	if w == nil {
		return nil
	}
	return w.start()
}

func (w *wallet) start() *tea.Program {
	h := w.host
	log := h.log.With("session", w.id, "remote", w.sess.RemoteAddr().String())
	opts := append([]client.Option{
		client.WithTokenStore(client.NewMemoryStore()), // never the host's keyring
		client.WithLogger(log),
	}, h.clientID...)
	c, err := client.New(h.cfg, opts...)
	if err != nil {
		log.Error("session client", "err", err)
		w.mu.Lock()
		w.reason = endFailed
		w.mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(w.sess.Context())
	m := app.NewModel(app.ModelOptions{
		Ctx: ctx, Client: c, Wallet: h.opts.Config.Wallet,
		// SSH forwards no NO_COLOR unless the client sends it (SetEnv): honour the session's
		// environment, never the host's. --theme mono on the host makes every session mono.
		Getenv: envLookup(w.sess.Environ()),
		Server: h.server, Embedded: h.embedded,
		// No ExportDir: a remote person must not write files on the host.
		RegisterHint: h.hint, Logger: log,
	})

	// MakeOptions wires the session's input and output, its environment (so its colour
	// profile) and its window size; our filter replaces its own (which only turns suspend
	// into resume) and also watches for keypresses. The host's SIGINT and SIGTERM are not the
	// session's: the host's Shutdown ends sessions and says why, so no program may catch them.
	p := tea.NewProgram(m, append(bubbletea.MakeOptions(w.sess),
		tea.WithFilter(w.filter), tea.WithoutSignalHandler())...)

	w.mu.Lock()
	defer w.mu.Unlock()
	w.client, w.model, w.cancel = c, m, cancel
	if w.reason != endQuit { // the host began shutting down meanwhile
		return nil
	}
	w.prog = p
	w.lastInput.Store(time.Now().UnixNano())
	w.idle = time.AfterFunc(h.opts.IdleTimeout, w.checkIdle)
	log.Debug("wallet started")
	return p
}

// filter notes each keypress for the idle timer, and turns suspend (ctrl+z) into resume: a
// remote session has no shell to suspend to.
func (w *wallet) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg:
		w.lastInput.Store(time.Now().UnixNano())
	}
	return msg
}

func (w *wallet) checkIdle() {
	last := time.Unix(0, w.lastInput.Load())
	if left := w.host.opts.IdleTimeout - time.Since(last); left > 0 {
		w.mu.Lock()
		if w.idle != nil {
			w.idle.Reset(left)
		}
		w.mu.Unlock()
		return
	}
	w.end(endIdle)
}

// end asks the wallet to quit for reason (the first reason given wins).
func (w *wallet) end(reason endReason) {
	w.mu.Lock()
	if w.reason == endQuit {
		w.reason = reason
	}
	p := w.prog
	w.mu.Unlock()
	if p != nil {
		go p.Quit() // Send blocks until the program reads it or has ended
	}
}

// close takes the wallet down after its program returned: the live feed, the sign-in at the
// service (its tokens die with the session anyway, so the session is ended there too), the
// client. It returns why the wallet ended.
func (w *wallet) close() endReason {
	w.mu.Lock()
	reason := w.reason
	if w.idle != nil {
		w.idle.Stop()
		w.idle = nil
	}
	m, c, cancel := w.model, w.client, w.cancel
	w.model, w.client, w.cancel = nil, nil, nil
	w.mu.Unlock()
	if m != nil {
		m.Shutdown()
	}
	if c != nil {
		if c.Session().SignedIn {
			ctx, done := context.WithTimeout(context.Background(), logoutTimeout)
			if err := c.Logout(ctx); err != nil {
				w.host.log.Debug("ending the session's sign-in", "session", w.id, "err", err)
			}
			done()
		}
		_ = c.Close()
	}
	if cancel != nil {
		cancel()
	}
	return reason
}

// envLookup looks a variable up in an SSH session's environment.
func envLookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
				return v, true
			}
		}
		return "", false
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}
