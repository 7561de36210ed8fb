package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/views/components"
)

// New builds a signed-in screen. A screen not written yet shows a placeholder.
func New(id ID, c *Common) Screen {
	switch id {
	case DashboardScreen:
		return NewDashboard(c)
	case PayScreen:
		return NewPay(c)
	case HistoryScreen:
		return NewHistory(c)
	case SecurityScreen:
		return NewSecurity(c)
	case TokensScreen:
		return NewTokens(c)
	}
	return &placeholder{c: c, id: id}
}

// placeholder stands in for a screen that is not there yet.
type placeholder struct {
	c    *Common
	id   ID
	w, h int
}

func (p *placeholder) Init() tea.Cmd                    { return nil }
func (p *placeholder) Update(tea.Msg) (Screen, tea.Cmd) { return p, nil }
func (p *placeholder) SetSize(w, h int)                 { p.w, p.h = w, h }
func (p *placeholder) ShortHelp() []key.Binding         { return nil }
func (p *placeholder) FullHelp() [][]key.Binding        { return nil }
func (p *placeholder) View() string {
	return components.Centre(p.w, p.h, p.c.Theme.Muted.Render(p.id.Title()+" is not available yet."))
}
