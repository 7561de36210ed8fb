// Package client is the accounting SDK the wallet, the scripting commands and
// the SSH host use to talk to the accounting service: its configuration (Config
// and its rules, the SDK's settings only: package config loads them from the
// file, the environment and flags, with the wallet's own), the resilient transport, sessions and where they are kept (OS keyring, kernel
// keyring, memory), API keys (Config.APIKey in place of a session), caches,
// typed errors and every endpoint, and the one CSV export of the history (escaped with package
// termsafe). It knows the wire contract (package api) and nothing of Bubble
// Tea or the server's internals.
package client
