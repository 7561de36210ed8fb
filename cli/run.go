package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/config"
	"github.com/syftbox/syftwallet/service"
	"github.com/syftbox/syftwallet/termsafe"
)

// run is one invocation of a command: its configuration, I/O and (once connected) its client.
type run struct {
	o      *options
	cmd    *cobra.Command
	ctx    context.Context
	cfg    client.Config
	json   bool
	stdout io.Writer
	stderr io.Writer

	in     *bufio.Reader
	store  client.TokenStore
	report client.StoreReport // which store, and until when it keeps a session
	warn   string             // the token store's warning, if any
	c      *client.Client
	emb    *service.Embedded
	where  string // the service, as messages name it
}

// commonFlags are on every command.
type commonFlags struct {
	json bool
}

// command finishes a command: the configuration flags (as the TUI has them), --json, and a RunE
// that sets up a run, calls fn, and reports a failure (as JSON too with --json).
func command(o *options, c *cobra.Command, fn func(r *run, args []string) error) *cobra.Command {
	var common commonFlags
	config.RegisterFlags(c.Flags())
	_ = c.Flags().MarkHidden("theme") // the TUI's; meaningless here
	c.Flags().BoolVar(&common.json, "json", false, "print one JSON document (see the README for its schema)")
	c.Args = wrapArgs(c.Args)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		// Everything written for people passes termsafe: text from the service (memos, app names,
		// addresses, its messages) never reaches the terminal as a control sequence. --json
		// documents keep exact values, their strings escaped by writeJSON.
		stdout, stderr := termsafe.NewWriter(cmd.OutOrStdout()), termsafe.NewWriter(cmd.ErrOrStderr())
		r := &run{o: o, cmd: cmd, ctx: cmd.Context(), json: common.json, stdout: stdout, stderr: stderr}
		if r.json {
			r.stdout = cmd.OutOrStdout()
		}
		if r.ctx == nil {
			r.ctx = context.Background()
		}
		err := r.loadConfig()
		if err == nil {
			err = fn(r, args)
		}
		if cerr := r.close(); err == nil && cerr != nil {
			err = &serviceFailure{err: cerr}
		}
		_, _ = stdout.Flush(), stderr.Flush()
		if err == nil {
			return nil
		}
		err = classify(err)
		if r.json {
			var doc errorJSON
			doc.Error.Code, doc.Error.Message, doc.Error.ExitCode = errorCode(err), err.Error(), ExitCode(err)
			_ = writeJSON(r.stdout, doc)
		}
		return &shown{err: err}
	}
	return c
}

// signedInCommand is command for a command that works on the signed-in account: fn runs once
// the session is resumed (run.signedIn), so "not signed in" is said the same way everywhere.
func signedInCommand(o *options, c *cobra.Command, fn func(r *run, args []string) error) *cobra.Command {
	return command(o, c, func(r *run, args []string) error {
		if _, err := r.signedIn(); err != nil {
			return err
		}
		return fn(r, args)
	})
}

// shown is a command's error as main prints it: its sentence may hold the service's text, so it
// is escaped like every other human output (errors.As still finds what it wraps).
type shown struct{ err error }

func (e *shown) Error() string { return termsafe.Text(e.err.Error()) }
func (e *shown) Unwrap() error { return e.err }

// wrapArgs makes a cobra argument check's refusal a usage error.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		check = cobra.NoArgs
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{msg: err.Error()}
		}
		return nil
	}
}

// classify keeps errors whose kind decides the exit code and marks any other as a failure of
// the work (exit 5), not of the usage.
func classify(err error) error {
	var (
		usage *usageError
		cfg   *client.ConfigError
		val   *client.ValidationError
		rcpt  *client.UnknownRecipientError
	)
	if errors.As(err, &usage) || errors.As(err, &cfg) || errors.As(err, &val) || errors.As(err, &rcpt) {
		return err
	}
	if ExitCode(err) == exitUnclassified {
		return &serviceFailure{err: err}
	}
	return err
}

// errorCode is the code in a --json error document: the client's wire code, or "usage".
func errorCode(err error) string {
	var usage *usageError
	var cfg *client.ConfigError
	switch {
	case errors.As(err, &usage), errors.As(err, &cfg):
		return "usage"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	switch ExitCode(err) {
	case ExitAuth:
		if c := client.Code(err); c != "error" && c != "invalid_request" {
			return c
		}
		return "unauthenticated"
	case ExitUnreachable:
		return "unavailable"
	}
	return client.Code(err)
}

func (r *run) loadConfig() error {
	cfg, err := config.Load(config.LoadOptions{Getenv: r.o.getenv, Flags: r.cmd.Flags()})
	if err != nil {
		var ce *client.ConfigError
		if errors.As(err, &ce) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	r.cfg = cfg.Client
	return nil
}

// terminal reports whether a person is at stdin.
func (r *run) terminal() bool { return r.o.terminal(r.cmd.InOrStdin()) }

// connect makes the client: for the configured service, or with none configured for the service
// embedded in this process on loopback, with the data dir's ledger, for as long as the command
// runs. Sessions are kept in the token store as the TUI keeps them (the embedded service is
// filed under "embedded:" and the data dir, since its port changes at every start).
func (r *run) connect() error {
	if r.c != nil {
		return nil
	}
	discard := slog.New(slog.DiscardHandler)
	if r.cfg.APIKey != "" {
		// The key is the credential: no session is read or kept, so no keyring is even asked.
		r.store, r.report = client.NewMemoryStore(), client.StoreReport{Kind: client.StoreMemory}
	} else {
		r.store, r.report = client.ChooseTokenStore(r.cfg.Keyring)
		r.warn = r.report.Warning
	}
	opts := []client.Option{client.WithTokenStore(r.store), client.WithLogger(discard)}
	cfg := r.cfg
	r.where = cfg.ServiceURL
	if cfg.ServiceURL == "" {
		emb, err := startEmbedded(r.ctx, cfg.DataDir, discard)
		if err != nil {
			return err
		}
		r.emb = emb
		cfg.ServiceURL = emb.URL
		opts = append(opts, client.WithServerIdentity(emb.Identity()))
		r.where = "the embedded service (ledger in " + cfg.DataDir + ")"
	}
	c, err := client.New(cfg, opts...)
	if err != nil {
		return &serviceFailure{err: err}
	}
	r.c = c
	return nil
}

// EmbeddedIdentity is the name the token store files the embedded service of dataDir under.
func EmbeddedIdentity(dataDir string) string { return service.EmbeddedIdentity(dataDir) }

// startEmbedded runs the data directory's service for the length of the command, or uses the one
// a running wallet already runs there (service.StartEmbedded), so a command and an open wallet share
// one ledger writer and the wallet sees the command's payments live.
func startEmbedded(ctx context.Context, dataDir string, logger *slog.Logger) (*service.Embedded, error) {
	emb, err := service.StartEmbedded(ctx, dataDir, logger)
	var keysErr *service.KeysError
	if errors.As(err, &keysErr) {
		return nil, &sentence{msg: keysErr.Error(), err: &client.UnavailableError{Reason: client.ReasonUnavailable}}
	}
	if err != nil {
		return nil, &sentence{
			msg: fmt.Sprintf("Could not start the embedded accounting service with the ledger in %s (%v).", dataDir, err),
			err: &client.UnavailableError{Reason: client.ReasonUnavailable},
		}
	}
	return emb, nil
}

func (r *run) close() error {
	var err error
	if r.c != nil {
		err = r.c.Close()
	}
	if r.emb != nil {
		err = errors.Join(err, r.emb.Close())
	}
	return err
}

// signedIn connects and resumes the session kept in the token store: the account given by
// --email (or SYFTBOX_ACCOUNTING_EMAIL), else the last one used on this service. With nothing
// stored but an email and SYFTBOX_ACCOUNTING_PASSWORD in the environment, it signs in with them.
// With an API key (SYFTWALLET_API_KEY, auth.api_key) the key is the session, before all else.
func (r *run) signedIn() (client.Session, error) {
	if err := r.connect(); err != nil {
		return client.Session{}, err
	}
	s, err := r.c.Resume(r.ctx, r.cfg.Email)
	if err == nil {
		return s, nil
	}
	var unauth *client.UnauthenticatedError
	if errors.As(err, &unauth) && r.cfg.Email != "" && r.cfg.Password != "" && r.cfg.APIKey == "" {
		s, err = r.c.Login(r.ctx, r.cfg.Email, r.cfg.Password)
		var mfa *client.MFARequiredError
		if errors.As(err, &mfa) {
			return s, &sentence{msg: "This account has two-factor authentication on: sign in with `syftwallet login --mfa-code CODE` first.", err: err}
		}
		return s, err
	}
	if errors.As(err, &unauth) && !unauth.BadCredentials && !unauth.APIKey {
		return s, &sentence{msg: "You are not signed in: run `syftwallet login` first.", err: err}
	}
	return s, err
}

// input is stdin, buffered once for the whole run.
func (r *run) input() *bufio.Reader {
	if r.in == nil {
		r.in = bufio.NewReader(r.cmd.InOrStdin())
	}
	return r.in
}

// prompt asks a question on stderr and reads one line of answer.
func (r *run) prompt(question string) (string, error) {
	fmt.Fprint(r.stderr, question)
	line, err := r.input().ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(r.stderr)
			return "", &usageError{msg: "No answer: stdin ended."}
		}
		return "", &serviceFailure{err: err}
	}
	return strings.TrimSpace(line), nil
}

// promptSecret asks for a secret without echoing it when stdin is a real terminal.
func (r *run) promptSecret(question string) (string, error) {
	if f, ok := r.cmd.InOrStdin().(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprint(r.stderr, question)
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(r.stderr)
		if err != nil {
			return "", &serviceFailure{err: err}
		}
		return string(b), nil
	}
	return r.prompt(question)
}

// password is the password from --password-stdin (all of stdin, without the final line break)
// or SYFTBOX_ACCOUNTING_PASSWORD; else, on a terminal and when ask is set, typed at a prompt;
// else "".
func (r *run) password(fromStdin, ask bool) (string, error) {
	if fromStdin {
		b, err := io.ReadAll(r.input())
		if err != nil {
			return "", &serviceFailure{err: err}
		}
		pw := strings.TrimRight(string(b), "\r\n")
		if pw == "" {
			return "", usagef("--password-stdin: stdin holds no password.")
		}
		return pw, nil
	}
	if r.cfg.Password != "" {
		return r.cfg.Password, nil
	}
	if ask && r.terminal() {
		return r.promptSecret("Password: ")
	}
	return "", nil
}

// credentials are the email and password register and login use (email, password): refused
// while an API key is set, since every command uses it; doing says what unsetting it allows.
func (r *run) credentials(doing string, fromStdin, ask bool) (email, pw string, err error) {
	if r.cfg.APIKey != "" {
		return "", "", usagef("An API key is set (SYFTWALLET_API_KEY or auth.api_key) and every command uses it: unset it to %s.", doing)
	}
	if email, err = r.email(); err != nil {
		return "", "", err
	}
	pw, err = r.password(fromStdin, ask)
	return email, pw, err
}

// email is the account named by --email or SYFTBOX_ACCOUNTING_EMAIL; else, on a terminal, typed
// at a prompt.
func (r *run) email() (string, error) {
	if r.cfg.Email != "" {
		return r.cfg.Email, nil
	}
	if r.terminal() {
		e, err := r.prompt("Email: ")
		if err != nil {
			return "", err
		}
		if e != "" {
			return e, nil
		}
	}
	return "", usagef("No email address: pass --email or set SYFTBOX_ACCOUNTING_EMAIL.")
}

// mfaCode is the code from --mfa-code, or typed at a prompt on a terminal.
func (r *run) mfaCode(flag, why string) (string, error) {
	if flag != "" {
		return strings.TrimSpace(flag), nil
	}
	return r.askCode(why+": pass --mfa-code CODE", "Code from your authenticator app (or a recovery code): ")
}

// askCode asks the person at the terminal a question for a two-factor code; with no one there
// it refuses with refusal, which says what to pass instead.
func (r *run) askCode(refusal, question string) (string, error) {
	if !r.terminal() {
		return "", usagef("%s (stdin is not a terminal, so there is no one to ask).", refusal)
	}
	code, err := r.prompt(question)
	if err != nil {
		return "", err
	}
	if code == "" {
		return "", usagef("No code entered.")
	}
	return code, nil
}

// note writes a status line to stderr.
func (r *run) note(format string, a ...any) { fmt.Fprintf(r.stderr, format+"\n", a...) }

// emit prints the --json document.
func (r *run) emit(v any) error { return writeJSON(r.stdout, v) }
