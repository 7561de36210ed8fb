package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/spf13/pflag"

	"github.com/syftbox/syftwallet/cli"
)

// deploy/ cannot be run here (no container engine, no systemd), so these tests read its files
// and check them against the serve command itself: every flag they pass is one `syftwallet serve
// --help` lists (a renamed or removed flag fails here, not at someone's first deploy), and the
// compose file's three instances share one ledger, one Redis and one keys file.

// serveFlags is serve's flag set and its --help text.
func serveFlags(t *testing.T) (*pflag.FlagSet, string) {
	t.Helper()
	root := cli.Root()
	var help bytes.Buffer
	root.SetOut(&help)
	root.SetErr(&help)
	root.SetArgs([]string{"serve", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatalf("serve --help: %v", err)
	}
	serve, _, err := cli.Root().Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	return serve.Flags(), help.String()
}

// serveArgs checks the arguments after "serve" against serve's flags and returns the values
// they give, by flag name (a repeated flag keeps its last value).
func serveArgs(t *testing.T, where string, args []string) map[string]string {
	t.Helper()
	flags, help := serveFlags(t)
	got := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, inline := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || name == "" {
			t.Errorf("%s: %q is not a flag of serve (serve takes no arguments)", where, a)
			continue
		}
		f := flags.Lookup(name)
		if f == nil || !strings.Contains(help, "--"+name+" ") {
			t.Errorf("%s: --%s is not a flag of `syftwallet serve --help`", where, name)
			if !inline && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++ // its value, most likely
			}
			continue
		}
		if !inline && f.Value.Type() != "bool" {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "--") {
				t.Errorf("%s: --%s takes a value and has none", where, name)
				continue
			}
			i++
			value = args[i]
		}
		if err := f.Value.Set(value); err != nil && !strings.Contains(value, "${") {
			t.Errorf("%s: --%s %q: %v", where, name, value, err)
		}
		got[name] = value
	}
	return got
}

// envFlag is the serve flag whose usage says it may be given as the environment variable name
// ("(or DATABASE_URL)"), or "" when none says so.
func envFlag(t *testing.T, name string) string {
	flags, _ := serveFlags(t)
	var flag string
	flags.VisitAll(func(f *pflag.Flag) {
		if strings.Contains(f.Usage, "(or "+name+")") {
			flag = f.Name
		}
	})
	return flag
}

func TestDeployComposeInstances(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Networks    any               `yaml:"networks"`
		} `yaml:"services"`
	}
	// A service's own keys override those merged into it (<<: *wallet), as compose reads them.
	if err := yaml.UnmarshalWithOptions(raw, &doc, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	// What each instance runs on, whether given as a flag or as the variable the flag names.
	type instance struct{ name, db, redis, keys, addr, proxy string }
	var instances []instance
	for name, svc := range doc.Services {
		if len(svc.Command) == 0 || svc.Command[0] != "serve" {
			continue
		}
		flags := serveArgs(t, "deploy/compose.yaml "+name, svc.Command[1:])
		in := instance{name: name, db: flags["db"], redis: flags["redis"], keys: flags["keys"],
			addr: flags["addr"], proxy: flags["trusted-proxy"]}
		for env, v := range svc.Environment {
			switch f := envFlag(t, env); {
			case f == "db" && in.db == "":
				in.db = v
			case f == "redis" && in.redis == "":
				in.redis = v
			}
		}
		if in.keys != "" && !slices.ContainsFunc(svc.Volumes, func(v string) bool {
			return strings.HasSuffix(v, ":"+filepath.Dir(in.keys)) && !strings.HasPrefix(v, ".")
		}) {
			t.Errorf("%s: --keys %s is not on a named volume the instances share: %v", name, in.keys, svc.Volumes)
		}
		instances = append(instances, in)
	}
	if len(instances) != 3 {
		t.Fatalf("deploy/compose.yaml runs %d serve instances, want 3: %+v", len(instances), instances)
	}
	first := instances[0]
	if !strings.HasPrefix(first.db, "postgres://") || !strings.HasPrefix(first.redis, "redis://") || first.keys == "" {
		t.Errorf("%s: db %q, redis %q, keys %q: want PostgreSQL, Redis and a keys file", first.name, first.db, first.redis, first.keys)
	}
	for _, in := range instances[1:] {
		if in.db != first.db || in.redis != first.redis || in.keys != first.keys {
			t.Errorf("%s does not share %s's ledger, Redis and keys: %+v against %+v", in.name, first.name, in, first)
		}
	}

	// nginx sends to every instance on the port it listens on, and is the proxy they trust.
	nginx, err := os.ReadFile(filepath.Join("deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := regexp.MustCompile(`ipv4_address:\s*([0-9.]+)`).FindSubmatch(raw)
	for _, in := range instances {
		_, port, err := net.SplitHostPort(in.addr)
		if err != nil {
			t.Errorf("%s: --addr %q: %v", in.name, in.addr, err)
			continue
		}
		if !regexp.MustCompile(`(?m)^\s*server\s+` + regexp.QuoteMeta(in.name+":"+port) + `\b`).Match(nginx) {
			t.Errorf("deploy/nginx.conf has no upstream server %s:%s", in.name, port)
		}
		if proxyAddr == nil || in.proxy != string(proxyAddr[1]) {
			t.Errorf("%s: --trusted-proxy %q is not nginx's address %q", in.name, in.proxy, proxyAddr)
		}
	}
}

func TestDeploySystemdUnit(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("deploy", "syftwallet.service"))
	if err != nil {
		t.Fatal(err)
	}
	// The ExecStart in force and the one for several machines, commented out beside it.
	lines := regexp.MustCompile(`(?m)^#?ExecStart=(.*)$`).FindAllSubmatch(raw, -1)
	if len(lines) != 2 {
		t.Fatalf("deploy/syftwallet.service: %d ExecStart lines, want 2 (one machine, several)", len(lines))
	}
	for i, l := range lines {
		args := strings.Fields(string(l[1]))
		if len(args) < 2 || filepath.Base(args[0]) != "syftwallet" || args[1] != "serve" {
			t.Errorf("ExecStart %d does not run syftwallet serve: %q", i+1, l[1])
			continue
		}
		flags := serveArgs(t, "deploy/syftwallet.service ExecStart "+string(rune('1'+i)), args[2:])
		if i == 1 && flags["keys"] == "" {
			t.Errorf("the ExecStart for several machines names no --keys file: %q", l[1])
		}
	}
	// The variables the unit's env file is documented to hold are ones serve reads.
	for _, env := range []string{"DATABASE_URL", "REDIS_URL"} {
		if !strings.Contains(string(raw), env+"=") || envFlag(t, env) == "" {
			t.Errorf("deploy/syftwallet.service documents %s, which no serve flag reads", env)
		}
	}
}
