// Package theme holds the wallet's look in one place: semantic style tokens (text, muted, accent,
// money in and out, warnings, panels, the status bar, toasts) built once per theme and terminal
// background from lipgloss.LightDark, never per frame.
//
// It knows lipgloss and nothing else of the TUI: no Bubble Tea, no bubbles, no client. Views turn
// these tokens into component styles (text inputs, help) themselves.
package theme

import (
	"image/color"
	"slices"

	"charm.land/lipgloss/v2"
)

// The themes the wallet knows.
const (
	Default      = "default"
	HighContrast = "high-contrast"
	Mono         = "mono"
)

// Names lists the themes, default first.
func Names() []string { return []string{Default, HighContrast, Mono} }

// Known reports whether name is a theme.
func Known(name string) bool { return slices.Contains(Names(), name) }

// Resolve picks the theme to use: mono whenever NO_COLOR holds any non-empty value
// (https://no-color.org), else name, else default. getenv may be nil (os.LookupEnv is not read
// here, so tests and SSH sessions pass their own environment).
func Resolve(name string, getenv func(string) (string, bool)) string {
	if getenv != nil {
		if v, ok := getenv("NO_COLOR"); ok && v != "" {
			return Mono
		}
	}
	if Known(name) {
		return name
	}
	return Default
}

// ToastSteps is how many fading looks a toast goes through, brightest first.
const ToastSteps = 4

// Theme is a complete set of styles for one theme on one background. Build it with New; treat it
// as read-only.
type Theme struct {
	Name string
	Dark bool

	// Colours, for the few places that need a colour rather than a style (may be NoColor).
	Fg, Bg, MutedFg, AccentFg, PositiveFg, NegativeFg, WarningFg, BorderFg color.Color

	Text     lipgloss.Style // body text
	Muted    lipgloss.Style // secondary text, labels of values
	Faint    lipgloss.Style // hints, separators, placeholders
	Bold     lipgloss.Style
	Title    lipgloss.Style // a screen's title
	Accent   lipgloss.Style // the brand colour: selected tab, focused field's label
	Positive lipgloss.Style // money in, success, live
	Negative lipgloss.Style // money out, errors
	Warning  lipgloss.Style // pending, reconnecting, held
	Error    lipgloss.Style // an inline error under a field
	Key      lipgloss.Style // a key name in hints ("y", "esc")
	Code     lipgloss.Style // ids, tokens, secrets

	Panel        lipgloss.Style // a bordered box
	PanelFocused lipgloss.Style // a bordered box that holds the focus
	PanelDanger  lipgloss.Style // a box asking to confirm something that moves money

	FieldLabel        lipgloss.Style
	FieldLabelFocused lipgloss.Style
	FieldText         lipgloss.Style
	FieldPlaceholder  lipgloss.Style
	FieldPrompt       lipgloss.Style
	FieldPromptFocus  lipgloss.Style

	Brand       lipgloss.Style // the app name in the header
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style

	StatusBar  lipgloss.Style // the whole bar
	StatusText lipgloss.Style
	StatusGood lipgloss.Style
	StatusWarn lipgloss.Style
	StatusBad  lipgloss.Style

	HelpKey  lipgloss.Style
	HelpDesc lipgloss.Style
	HelpSep  lipgloss.Style

	TableHeader lipgloss.Style
	RowSelected lipgloss.Style

	BalanceBig lipgloss.Style
	Spark      lipgloss.Style

	Toast [ToastSteps]lipgloss.Style // brightest first
}

// palette is one theme's colours on both backgrounds.
type palette struct {
	fg, bg, muted, faint, accent, positive, negative, warning, border, selBg, selFg [2]string // light, dark
}

var palettes = map[string]palette{
	Default: {
		fg:       [2]string{"#1F1D2B", "#E6E4F0"},
		bg:       [2]string{"#FFFFFF", "#000000"},
		muted:    [2]string{"#5E5A70", "#A9A5BC"},
		faint:    [2]string{"#8F8AA3", "#6C6880"},
		accent:   [2]string{"#5A3FD0", "#A48CFF"},
		positive: [2]string{"#1A7F37", "#4ADE80"},
		negative: [2]string{"#C0262D", "#FF6B6B"},
		warning:  [2]string{"#9A5B00", "#F5B83D"},
		border:   [2]string{"#B8B3CC", "#4A4660"},
		selBg:    [2]string{"#E4DEFF", "#3A2F70"},
		selFg:    [2]string{"#1F1D2B", "#FFFFFF"},
	},
	HighContrast: {
		fg:       [2]string{"#000000", "#FFFFFF"},
		bg:       [2]string{"#FFFFFF", "#000000"},
		muted:    [2]string{"#202020", "#E0E0E0"},
		faint:    [2]string{"#404040", "#C0C0C0"},
		accent:   [2]string{"#0000C0", "#FFFF00"},
		positive: [2]string{"#006000", "#00FF00"},
		negative: [2]string{"#B00000", "#FF5050"},
		warning:  [2]string{"#704000", "#FFB000"},
		border:   [2]string{"#000000", "#FFFFFF"},
		selBg:    [2]string{"#000000", "#FFFFFF"},
		selFg:    [2]string{"#FFFFFF", "#000000"},
	},
}

// New builds the named theme for a dark or light background. An unknown name gives the default.
func New(name string, dark bool) *Theme {
	if !Known(name) {
		name = Default
	}
	if name == Mono {
		return mono(dark)
	}
	p := palettes[name]
	ld := lipgloss.LightDark(dark)
	pick := func(c [2]string) color.Color { return ld(lipgloss.Color(c[0]), lipgloss.Color(c[1])) }
	fg, bg, muted, faint := pick(p.fg), pick(p.bg), pick(p.muted), pick(p.faint)
	accent, pos, neg, warn := pick(p.accent), pick(p.positive), pick(p.negative), pick(p.warning)
	border, selBg, selFg := pick(p.border), pick(p.selBg), pick(p.selFg)
	hc := name == HighContrast

	s := lipgloss.NewStyle
	t := &Theme{
		Name: name, Dark: dark,
		Fg: fg, Bg: bg, MutedFg: muted, AccentFg: accent, PositiveFg: pos, NegativeFg: neg,
		WarningFg: warn, BorderFg: border,
	}
	t.Text = s().Foreground(fg)
	t.Muted = s().Foreground(muted)
	t.Faint = s().Foreground(faint)
	t.Bold = s().Foreground(fg).Bold(true)
	t.Title = s().Foreground(fg).Bold(true)
	t.Accent = s().Foreground(accent).Bold(hc)
	t.Positive = s().Foreground(pos).Bold(hc)
	t.Negative = s().Foreground(neg).Bold(hc)
	t.Warning = s().Foreground(warn).Bold(hc)
	t.Error = s().Foreground(neg).Bold(hc)
	t.Key = s().Foreground(accent).Bold(true)
	t.Code = s().Foreground(fg).Bold(true)

	t.Panel = s().Border(lipgloss.RoundedBorder()).BorderForeground(border).Padding(0, 1)
	t.PanelFocused = t.Panel.BorderForeground(accent)
	t.PanelDanger = s().Border(lipgloss.ThickBorder()).BorderForeground(warn).Padding(0, 1)
	if hc {
		t.Panel = t.Panel.Border(lipgloss.NormalBorder())
		t.PanelFocused = t.PanelFocused.Border(lipgloss.ThickBorder())
	}

	t.FieldLabel = s().Foreground(muted)
	t.FieldLabelFocused = s().Foreground(accent).Bold(true)
	t.FieldText = s().Foreground(fg)
	t.FieldPlaceholder = s().Foreground(faint)
	t.FieldPrompt = s().Foreground(faint)
	t.FieldPromptFocus = s().Foreground(accent).Bold(true)

	t.Brand = s().Foreground(accent).Bold(true)
	t.TabActive = s().Foreground(selFg).Background(selBg).Bold(true).Padding(0, 1)
	t.TabInactive = s().Foreground(muted).Padding(0, 1)

	t.StatusBar = s().Foreground(muted)
	t.StatusText = s().Foreground(muted)
	t.StatusGood = s().Foreground(pos)
	t.StatusWarn = s().Foreground(warn)
	t.StatusBad = s().Foreground(neg).Bold(true)

	t.HelpKey = s().Foreground(muted).Bold(hc)
	t.HelpDesc = s().Foreground(faint)
	t.HelpSep = s().Foreground(faint)

	t.TableHeader = s().Foreground(muted).Bold(true)
	t.RowSelected = s().Foreground(selFg).Background(selBg)

	t.BalanceBig = s().Foreground(fg).Bold(true)
	t.Spark = s().Foreground(accent)

	// A toast fades from the accent towards the faint colour, then goes.
	steps := lipgloss.Blend1D(ToastSteps, accent, faint)
	for i := range t.Toast {
		c := steps[i]
		t.Toast[i] = s().Border(lipgloss.RoundedBorder()).BorderForeground(c).Foreground(c).Padding(0, 1)
	}
	if hc {
		for i := range t.Toast {
			t.Toast[i] = t.Toast[i].Bold(i == 0)
		}
	}
	return t
}

// mono is the theme without colours (NO_COLOR, --theme mono): emphasis by weight, underline and
// reverse video only, so meaning never rests on colour.
func mono(dark bool) *Theme {
	s := lipgloss.NewStyle
	none := lipgloss.NoColor{}
	t := &Theme{
		Name: Mono, Dark: dark,
		Fg: none, Bg: none, MutedFg: none, AccentFg: none, PositiveFg: none, NegativeFg: none,
		WarningFg: none, BorderFg: none,
	}
	t.Text = s()
	t.Muted = s()
	t.Faint = s().Faint(true)
	t.Bold = s().Bold(true)
	t.Title = s().Bold(true)
	t.Accent = s().Bold(true)
	t.Positive = s()
	t.Negative = s()
	t.Warning = s().Underline(true)
	t.Error = s().Bold(true)
	t.Key = s().Bold(true)
	t.Code = s().Bold(true)
	t.Panel = s().Border(lipgloss.NormalBorder()).Padding(0, 1)
	t.PanelFocused = s().Border(lipgloss.ThickBorder()).Padding(0, 1)
	t.PanelDanger = s().Border(lipgloss.DoubleBorder()).Padding(0, 1)
	t.FieldLabel = s()
	t.FieldLabelFocused = s().Bold(true).Underline(true)
	t.FieldText = s()
	t.FieldPlaceholder = s().Faint(true)
	t.FieldPrompt = s().Faint(true)
	t.FieldPromptFocus = s().Bold(true)
	t.Brand = s().Bold(true)
	t.TabActive = s().Reverse(true).Bold(true).Padding(0, 1)
	t.TabInactive = s().Padding(0, 1)
	t.StatusBar = s()
	t.StatusText = s()
	t.StatusGood = s()
	t.StatusWarn = s().Underline(true)
	t.StatusBad = s().Bold(true)
	t.HelpKey = s().Bold(true)
	t.HelpDesc = s()
	t.HelpSep = s().Faint(true)
	t.TableHeader = s().Bold(true).Underline(true)
	t.RowSelected = s().Reverse(true)
	t.BalanceBig = s().Bold(true)
	t.Spark = s()
	for i := range t.Toast {
		t.Toast[i] = s().Border(lipgloss.NormalBorder()).Padding(0, 1).Faint(i >= ToastSteps/2)
	}
	return t
}
