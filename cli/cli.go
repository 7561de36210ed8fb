// Package cli holds every command of syftwallet and its flags: the wallet itself (the root
// command, root.go), serve (serve.go), ssh (ssh.go), admin (admin.go) and the scripting commands
// register, login, logout, balance, pay, history, events, token create, mfa enable|disable and
// apikey create|list|revoke. It turns flags, the environment and the config file (package config)
// into options and hands over; main is os.Exit(Execute()). The scripting commands use the same
// client, configuration and keyring sessions as the wallet TUI, print human output or one stable
// JSON document (--json), and end with an exit code a script can act on (see ExitCode and
// README-section.md).
//
// It knows cobra, the configuration (package config), the client SDK (package client), the live
// events stream (package events), the wire types (package api), the amount parser (package
// money), the escape of text from other people (package termsafe, on everything it writes for
// people) and how to run the accounting service (package service: embedded for a scripting
// command, serve, admin; ledger/postgres only to tell a PostgreSQL URL). Bubble Tea is reached through two calls only, each the whole of its
// command: the wallet command's app.Run (root.go) and the ssh command's sshhost.Run (ssh.go). No
// file here imports Bubble Tea, bubbles, package ui or package views, nor the server's internals.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/events"
)

// Exit codes. They are part of the scripting interface: documented in the README, never renumbered.
const (
	ExitOK           = 0   // done
	ExitUsage        = 1   // bad flags or arguments, a refused value, a declined confirmation
	ExitAuth         = 2   // not signed in, wrong password or code, session ended, not allowed
	ExitFunds        = 3   // insufficient funds, or an API key's spend limit reached
	ExitUnreachable  = 4   // the service cannot be reached (or the embedded one cannot start)
	ExitService      = 5   // any other error the service reported
	ExitInterrupted  = 130 // interrupted (Ctrl-C) before the command finished
	exitUnclassified = ExitUsage
)

// ExitCode maps an error returned by any syftwallet command to its exit code: nil is 0; the
// client's typed errors map by kind (errors.As); errors cobra itself returns (unknown command or
// flag, wrong arguments) and the configuration's are usage errors.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		usage  *usageError
		cfg    *client.ConfigError
		unauth *client.UnauthenticatedError
		mfa    *client.MFARequiredError
		forb   *client.ForbiddenError
		tv     *client.TokenVerificationError
		funds  *client.InsufficientFundsError
		limit  *client.SpendLimitError
		rcpt   *client.UnknownRecipientError
		val    *client.ValidationError
		unav   *client.UnavailableError
		svc    *serviceFailure
	)
	switch {
	case errors.As(err, &usage), errors.As(err, &cfg):
		return ExitUsage
	case errors.As(err, &unauth), errors.As(err, &mfa), errors.As(err, &forb), errors.As(err, &tv),
		errors.Is(err, events.ErrUnauthorized), errors.Is(err, events.ErrSessionRevoked):
		return ExitAuth
	case errors.As(err, &funds), errors.As(err, &limit):
		return ExitFunds
	case errors.As(err, &val):
		if val.Field == "code" || client.Code(err) == "unauthenticated" {
			return ExitAuth // a wrong second-factor code
		}
		return ExitUsage
	case errors.As(err, &rcpt):
		return ExitUsage
	case errors.As(err, &unav):
		return ExitUnreachable
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &svc):
		return ExitService
	}
	if client.Code(err) != "error" { // conflict, not found, rate limited, server error, unsupported
		return ExitService
	}
	return exitUnclassified
}

// usageError is a mistake in how a command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// serviceFailure marks an error that is not the client's typed kind but happened while doing the
// work (a keyring that refused, the embedded service's ledger): exit 5.
type serviceFailure struct{ err error }

func (e *serviceFailure) Error() string { return e.err.Error() }
func (e *serviceFailure) Unwrap() error { return e.err }

// sentence replaces an error's message by a more precise one for this command, keeping the error
// underneath for errors.As (and so the exit code).
type sentence struct {
	msg string
	err error
}

func (e *sentence) Error() string { return e.msg }
func (e *sentence) Unwrap() error { return e.err }

// Option changes how Commands behave; the defaults are right for the real program, tests replace
// the environment and the terminal.
type Option func(*options)

type options struct {
	getenv   func(string) (string, bool)
	terminal func(in io.Reader) bool
}

// WithGetenv sets how environment variables are read (configuration, password). Default
// os.LookupEnv.
func WithGetenv(getenv func(string) (string, bool)) Option {
	return func(o *options) { o.getenv = getenv }
}

// WithTerminal says whether stdin is a terminal a person types at (confirmations, prompts).
// Default: stdin is an *os.File on a terminal.
func WithTerminal(isTerminal bool) Option {
	return func(o *options) { o.terminal = func(io.Reader) bool { return isTerminal } }
}

func isTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// Commands returns the scripting commands, to be added to the root command:
//
//	root.AddCommand(cli.Commands()...)
func Commands(opts ...Option) []*cobra.Command {
	o := &options{getenv: os.LookupEnv, terminal: isTerminal}
	for _, opt := range opts {
		opt(o)
	}
	return []*cobra.Command{
		registerCmd(o), loginCmd(o), logoutCmd(o),
		balanceCmd(o), payCmd(o), historyCmd(o), eventsCmd(o),
		tokenCmd(o), mfaCmd(o),
		apikeyCmd(o),
		adminCmd(o), // admin.go
	}
}
