package viewstest

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Key builds the key press a person makes: "enter", "ctrl+c", "shift+tab", "a", "space".
func Key(s string) tea.KeyPressMsg {
	var k tea.KeyPressMsg
	parts := strings.Split(s, "+")
	name := parts[len(parts)-1]
	for _, mod := range parts[:len(parts)-1] {
		switch mod {
		case "ctrl":
			k.Mod |= tea.ModCtrl
		case "shift":
			k.Mod |= tea.ModShift
		case "alt":
			k.Mod |= tea.ModAlt
		}
	}
	codes := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace, "space": tea.KeySpace,
	}
	if c, ok := codes[name]; ok {
		k.Code = c
		if name == "space" {
			k.Text = " "
		}
		return k
	}
	k.Code = []rune(name)[0]
	if k.Mod == 0 || k.Mod == tea.ModShift {
		k.Text = name
	}
	return k
}

// Bound is how long Exec lets one of a command's functions run before it calls the function
// stuck: far past what any call to the fake takes on a loaded machine, since Exec returns as
// soon as every function has returned (or waits on a timer), never at the bound.
const Bound = 2 * time.Minute

// Exec runs a command's functions (batches unfolded, concurrently, as the program would) and
// returns the messages they answer, leaving out timer ticks (spinners, countdowns, polls): what
// the program would deliver, minus the animation.
//
// It waits until every function has returned, except those waiting on a timer (tea.Tick,
// tea.Every: they fire later on their own, and their ticks are left out anyway) or inside a
// function named in parked (a frame's name, such as "(*fakeStream).Next": something only the
// test feeds). A function that neither returns nor waits so within bound is a stuck command:
// Exec panics, naming where it stands.
func Exec(cmd tea.Cmd, bound time.Duration, parked ...string) []tea.Msg {
	if cmd == nil {
		return nil
	}
	var (
		mu      sync.Mutex
		out     []tea.Msg
		running = map[int64]bool{} // the goroutines still running a function
		unnamed int                // functions started whose goroutine is not in running yet
		wg      sync.WaitGroup
		walk    func(tea.Cmd)
	)
	walk = func(c tea.Cmd) {
		if c == nil {
			return
		}
		wg.Add(1)
		mu.Lock()
		unnamed++
		mu.Unlock()
		go func() {
			defer wg.Done()
			id := goid()
			mu.Lock()
			running[id], unnamed = true, unnamed-1
			mu.Unlock()
			defer func() { mu.Lock(); delete(running, id); mu.Unlock() }()
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, sub := range b {
					walk(sub)
				}
				return
			}
			if msg == nil || strings.Contains(strings.ToLower(fmt.Sprintf("%T", msg)), "tick") {
				return
			}
			mu.Lock()
			out = append(out, msg)
			mu.Unlock()
		}()
	}
	walk(cmd)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	markers := append([]string{"bubbletea/v2.Tick.func", "bubbletea/v2.Every.func"}, parked...)
	// Until all have returned, look now and then whether those left all wait on a timer or a
	// feed: the looks grow apart (1 ms to 50 ms), they are not a guess at how long work takes.
	for every := time.Millisecond; ; every = min(2*every, 50*time.Millisecond) {
		select {
		case <-done:
			return collected(&mu, out)
		case <-deadline.C:
			_, left := waiting(&mu, running, &unnamed, nil)
			panic(fmt.Sprintf("viewstest.Exec: a command has not returned in %v:\n%s", bound, left))
		case <-time.After(every):
		}
		if busy, _ := waiting(&mu, running, &unnamed, markers); !busy {
			return collected(&mu, out)
		}
	}
}

// Settle is how a test lets a model go quiet: it runs cmd with exec, hands each message to
// deliver, and runs the commands deliver returns in turn, until none is left or, when rounds is
// above zero, rounds commands have run (a model that keeps asking, such as a poll, stops there).
func Settle(cmd tea.Cmd, rounds int, exec func(tea.Cmd) []tea.Msg, deliver func(tea.Msg) tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for i := 0; len(queue) > 0 && (rounds <= 0 || i < rounds); i++ {
		c := queue[0]
		queue = queue[1:]
		for _, msg := range exec(c) {
			if next := deliver(msg); next != nil {
				queue = append(queue, next)
			}
		}
	}
}

func collected(mu *sync.Mutex, out []tea.Msg) []tea.Msg {
	mu.Lock()
	defer mu.Unlock()
	return append([]tea.Msg(nil), out...)
}

// waiting reports whether a function still works (busy): one has not started, or a goroutine in
// running is not inside a function named in markers; left is those goroutines' stacks.
func waiting(mu *sync.Mutex, running map[int64]bool, unnamed *int, markers []string) (busy bool, left string) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	mu.Lock()
	defer mu.Unlock()
	var working []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		var id int64
		if _, err := fmt.Sscanf(g, "goroutine %d ", &id); err != nil || !running[id] {
			continue
		}
		if !slices.ContainsFunc(markers, func(m string) bool { return strings.Contains(g, m) }) {
			working = append(working, g)
		}
	}
	return *unnamed > 0 || len(working) > 0, strings.Join(working, "\n\n")
}

// goid is the running goroutine's number, as its stack names it.
func goid() int64 {
	var buf [64]byte
	var id int64
	fmt.Sscanf(string(buf[:runtime.Stack(buf[:], false)]), "goroutine %d ", &id)
	return id
}
