package views

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestExportShowsTheWholePath: the export's path is wrapped in the footer, never cut, and the
// screen keeps its height.
func TestExportShowsTheWholePath(t *testing.T) {
	fc := newFake()
	seedSmall(fc)
	h, c := newHistory(t, fc)
	c.ExportDir = filepath.Join(t.TempDir(), "a-rather-long-folder-name-for-exports", "of-the-syftwallet-history", "2026",
		"and-deeper-still-because-people-keep-their-papers-in-deep-trees")
	for _, w := range []int{80, 100} {
		h.SetSize(w, 24)
		var s Screen = h
		s, _ = press(s, "e")
		if h.noteBad || !strings.Contains(h.note, "Exported") {
			t.Fatalf("export: %q", h.note)
		}
		path := h.note[strings.Index(h.note, " to ")+4:]
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(ansi.Strip(s.View()), "\n")
		if len(lines) != 24 {
			t.Errorf("width %d: the screen has %d lines, want 24", w, len(lines))
		}
		joined := ""
		for _, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: a line is %d wide: %q", w, ansi.StringWidth(l), l)
			}
			joined += strings.TrimRight(l, " ")
		}
		if !strings.Contains(joined, path) {
			t.Errorf("width %d: the path %q is not shown whole:\n%s", w, path, strings.Join(lines, "\n"))
		}
	}
}

// TestExportWithoutAFolderWritesNothing: a wallet without an export folder (the SSH host: a
// remote person must not write files on the host) refuses, and hides the key.
func TestExportWithoutAFolderWritesNothing(t *testing.T) {
	fc := newFake()
	seedSmall(fc)
	h, c := newHistory(t, fc)
	c.ExportDir = ""
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	home := t.TempDir()
	t.Setenv("HOME", home)
	var s Screen = h
	s, _ = press(s, "e")
	if !h.noteBad || !strings.Contains(h.note, "Export is off") {
		t.Fatalf("note %q", h.note)
	}
	if fc.CountCalls("HistoryPages")+fc.CountCalls("History") > 1 {
		t.Errorf("the export read the history: %v", fc.Calls())
	}
	for _, k := range h.ShortHelp() {
		if k.Enabled() && k.Help().Desc == c.Keys.History.Export.Help().Desc {
			t.Error("the export key is offered")
		}
	}
	_ = s
}

func TestMessagesAreEscaped(t *testing.T) {
	err := errors.New("refused \x1b]52;c;eA==\x07 \u202eevil")
	if got, want := Message(err), `refused \x1b]52;c;eA==\x07 \u202eevil`; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	if _, got := ErrorField(err); got != `refused \x1b]52;c;eA==\x07 \u202eevil` {
		t.Errorf("ErrorField = %q", got)
	}
}
