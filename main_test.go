package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/service"
)

// The test binary doubles as syftwallet: with mainArgs set it runs main with those arguments, so
// these tests run the real command line (flags, exit code, stderr) without building another binary.
const mainArgs = "SYFTWALLET_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgs); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Args = append([]string{"syftwallet"}, a...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func syftwallet(ctx context.Context, args ...string) *exec.Cmd {
	b, _ := json.Marshal(args)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainArgs+"="+string(b))
	return cmd
}

// `syftwallet serve` on a ledger whose keys.json is gone exits non-zero with the refusal's
// sentences on stderr; with --new-keys it serves.
func TestServeRefusesLostKeys(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := filepath.Join(t.TempDir(), "ledger.db")
	svc, err := service.Start(ctx, service.Options{Addr: "127.0.0.1:0", DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	pw := "correct horse battery"
	for _, path := range []string{"/auth/register", "/auth/login"} {
		body, _ := json.Marshal(api.CreateUserRequest{Email: "ada@example.com", Password: &pw})
		resp, err := http.Post(svc.URL+path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	svc.Stop()
	keys := filepath.Join(filepath.Dir(db), "keys.json")
	if err := os.Remove(keys); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	refuseCtx, cancelRefuse := context.WithTimeout(ctx, 20*time.Second) // a serve that starts is killed
	defer cancelRefuse()
	cmd := syftwallet(refuseCtx, "serve", "--db", db, "--addr", "127.0.0.1:0")
	cmd.Stderr = &stderr
	err = cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() == 0 {
		t.Fatalf("serve with keys.json gone: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"syftwallet: The keys file " + keys + " is missing", "Restore keys.json from your backup to " + keys,
		"`syftwallet serve --new-keys`", "1 session ends"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q\ndoes not say %q", stderr.String(), want)
		}
	}
	if _, err := os.Stat(keys); err == nil {
		t.Error("serve made new keys without --new-keys")
	}

	cmd = syftwallet(ctx, "serve", "--db", db, "--addr", "127.0.0.1:0", "--new-keys")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	url := ""
	lines := bufio.NewScanner(pipe)
	for url == "" && lines.Scan() {
		if m := regexp.MustCompile(`listening" url=(http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatal("serve --new-keys did not start")
	}
	go io.Copy(io.Discard, pipe)
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if _, err := os.Stat(keys); err != nil {
		t.Errorf("no new keys.json: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
}
