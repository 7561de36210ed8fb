// Package pgtest gives a test a PostgreSQL database of its own, on the server named by
// SYFTWALLET_TEST_POSTGRES or else DATABASE_URL (.ci/run starts a private one and sets it). Without
// either the test is skipped, with the reason, so `go test ./...` passes on a bare machine.
//
// It knows how to create and drop databases, nothing of the ledger's schema.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env returns the base URL of the test server, or "" when none is configured.
func Env() string {
	if u := os.Getenv("SYFTWALLET_TEST_POSTGRES"); u != "" {
		return u
	}
	return os.Getenv("DATABASE_URL")
}

// URL creates an empty database for t and returns its URL; the database is dropped when t ends.
// It skips t when no server is configured.
func URL(t testing.TB) string {
	t.Helper()
	base := Env()
	if base == "" {
		t.Skip("no PostgreSQL: set SYFTWALLET_TEST_POSTGRES or DATABASE_URL (.ci/run starts one)")
	}
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
