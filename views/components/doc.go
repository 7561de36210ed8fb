// Package components holds the small pieces the wallet's screens are built from: a form of
// labelled fields with a focus order and inline errors, a lazily rendered table over a window
// of pages, a centred panel with one width rule, a y/n confirm prompt and a spinner line.
//
// It knows Bubble Tea, bubbles, lipgloss, x/ansi and the theme's style tokens. It knows nothing
// of the client, the wire types, money or the screens that use it: a component is given text
// and styles, never a transaction or a request. (soft-serve's components/selector and gh-dash's
// components/table are the models.)
package components
