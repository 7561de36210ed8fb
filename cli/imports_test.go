package cli_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/syftbox/syftwallet/"

// cli reaches Bubble Tea through two calls only: the wallet command's app.Run (root.go) and the
// ssh command's sshhost.Run (ssh.go). No other file imports app or sshhost, none imports Bubble
// Tea, bubbles, lipgloss, the screens or the server, and nothing else cli imports brings Bubble
// Tea with it (package doc; design.md's import rules).
func TestCLIReachesBubbleTeaOnlyThroughTheWalletAndSSHCommands(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]string{module + "app": "root.go", module + "sshhost": "ssh.go"}
	forbidden := []string{"charm.land/bubbletea", "charm.land/bubbles", "charm.land/lipgloss",
		module + "ui", module + "views", module + "server", module + "theme"}
	others := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if path == bad || strings.HasPrefix(path, bad+"/") {
					t.Errorf("%s imports %s", name, path)
				}
			}
			if file, ok := allowed[path]; ok {
				if name != file {
					t.Errorf("%s imports %s; only %s may", name, path, file)
				}
				continue
			}
			if strings.HasPrefix(path, module) {
				others[path] = true
			}
		}
	}
	if len(others) == 0 {
		t.Fatal("found no imports of the module's packages: is this cli's folder?")
	}

	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	args := []string{"list", "-deps"}
	for p := range others {
		args = append(args, p)
	}
	out, err := exec.Command(goTool, args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "charm.land/bubbletea") || strings.HasPrefix(dep, "charm.land/bubbles") ||
			dep == module+"ui" || strings.HasPrefix(dep, module+"views") {
			t.Errorf("cli's imports (besides app and sshhost) bring %s", dep)
		}
	}
}
