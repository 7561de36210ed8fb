package views

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// Answer is what one request of a screen came back with: the screen that asked, the request's
// id, the value and the error. The root delivers it to that screen only (see Addressed); the
// screen takes it with For, which tells the answer it waits for from a stale one.
type Answer[T any] struct {
	Screen ID
	ID     int
	Val    T
	Err    error
	from   *Requests // the screen instance that asked: a new session's screen never takes it
}

// Addressed is an answer for one screen. The root hands it to that screen and to no other;
// when it says the session is lost (client.UnauthenticatedError that is not a wrong password)
// the root ends the session itself, once, and the screen never sees it.
type Addressed interface {
	To() ID
	Failure() error
}

// To is the screen that asked.
func (a Answer[T]) To() ID { return a.Screen }

// Failure is the answer's error.
func (a Answer[T]) Failure() error { return a.Err }

// For reports whether a is the answer to the request *pending of r and, if so, marks it
// answered (*pending = 0).
func (a Answer[T]) For(r *Requests, pending *int) bool {
	if a.from != r || *pending == 0 || a.ID != *pending {
		return false
	}
	*pending = 0
	return true
}

// Then hands a to f when it is the answer to the request *pending of r (see For) and returns
// f's command; a stale answer does nothing.
func (a Answer[T]) Then(r *Requests, pending *int, f func(Answer[T]) tea.Cmd) tea.Cmd {
	if !a.For(r, pending) {
		return nil
	}
	return f(a)
}

// Requests hands out one screen's request ids. A screen holds one (NewRequests) and remembers,
// per kind of request, the id it waits for.
type Requests struct {
	screen ID
	n      int
}

// NewRequests returns the request ids of a screen.
func NewRequests(screen ID) *Requests { return &Requests{screen: screen} }

// next is a new id (never 0).
func (r *Requests) next() int {
	r.n++
	return r.n
}

// Ask issues one request for the screen: it sets *pending to the request's id and returns the
// command that calls do with the session's context and deadline and answers an Answer[T].
func Ask[T any](c *Common, r *Requests, pending *int, do func(ctx context.Context) (T, error)) tea.Cmd {
	id := r.next()
	*pending = id
	return func() tea.Msg {
		ctx, cancel := c.call()
		defer cancel()
		v, err := do(ctx)
		return Answer[T]{Screen: r.screen, ID: id, Val: v, Err: err, from: r}
	}
}
