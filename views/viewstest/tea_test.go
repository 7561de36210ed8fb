package viewstest

import (
	"flag"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

type answer string

// Exec waits for a command however long it takes (here longer than the 300 ms it used to give
// up after), but not for a timer beside it nor for a function waiting on what the test feeds.
func TestExecWaitsForTheCommandNotTheTimers(t *testing.T) {
	release := make(chan struct{})
	time.AfterFunc(400*time.Millisecond, func() { close(release) })
	feed := make(chan struct{})
	defer close(feed)
	slow := func() tea.Msg { <-release; return answer("slow") }
	timer := tea.Tick(time.Hour, func(time.Time) tea.Msg { return answer("an hour later") })
	fed := func() tea.Msg { waitForFeed(feed); return answer("fed") }
	msgs := Exec(tea.Batch(slow, timer, fed, func() tea.Msg { return answer("quick") }), Bound, "viewstest.waitForFeed")
	got := map[tea.Msg]bool{}
	for _, m := range msgs {
		got[m] = true
	}
	if !got[answer("slow")] || !got[answer("quick")] || len(msgs) != 2 {
		t.Fatalf("want the slow and the quick answers only, got %v", msgs)
	}
}

func waitForFeed(feed chan struct{}) { <-feed }

// A command that never returns is a failure that says so, not an answer quietly missing.
func TestExecSaysWhenACommandIsStuck(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "has not returned") || !strings.Contains(s, "TestExecSaysWhenACommandIsStuck") {
			t.Fatalf("want a panic naming the stuck command, got %v", r)
		}
	}()
	Exec(func() tea.Msg { <-stuck; return nil }, 50*time.Millisecond)
}

// viewstest is imported by the tests of views, ui, app and cli, and cli's tests have their own
// -update flag: a package viewstest imports that registers a flag (teatest does, through
// x/exp/golden) makes each such test binary panic before a test runs ("flag redefined: update").
func TestRegistersNoFlags(t *testing.T) {
	var names []string
	flag.VisitAll(func(f *flag.Flag) {
		if !strings.HasPrefix(f.Name, "test.") {
			names = append(names, f.Name)
		}
	})
	if len(names) > 0 {
		t.Errorf("viewstest's imports register the flags %v; keep what needs them (teatest) in ui/uitest", names)
	}
}
