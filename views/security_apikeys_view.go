package views

import (
	"fmt"
	"strings"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/termsafe"
)

// Drawing the Security screen's API keys flow (security_apikeys.go).

func (k *secAPIKeys) view() string {
	switch k.phase {
	case keysForm:
		return k.boxed("New API key", k.formBody())
	case keysShown:
		return k.shownView()
	case keysRevoke:
		return k.revokeView()
	}
	return k.listView()
}

// limitText is a key's spend limit for people: "50.00 a day", or "none".
func (k *secAPIKeys) limitText(key api.APIKey) string {
	if key.SpendLimit == nil || key.SpendLimit.Amount == nil {
		return "none"
	}
	return k.c.Amount(*key.SpendLimit.Amount) + " a " + key.SpendLimit.Period
}

func (k *secAPIKeys) listView() string {
	t := k.c.Theme
	sk := k.c.Keys.Security
	inner := k.inner()
	var b strings.Builder
	b.WriteString(t.Title.Render("API keys") + "  " + t.Faint.Render("for scripts, CI jobs and SyftBox apps") + "\n\n")
	switch {
	case !k.loaded && k.banner == "":
		b.WriteString(t.Muted.Render("Loading…") + "\n")
	case k.loaded && len(k.list) == 0:
		b.WriteString(t.Muted.Render(wrap("No API keys yet. A key lets a program use this account without your password: "+
			"set SYFTWALLET_API_KEY in its environment.", inner)) + "\n")
	case k.loaded:
		// name, scopes, limit, spent, last used: the widths of the columns after the name.
		scopeW, limitW, spentW, usedW := 9, 18, 10, 10
		nameW := max(inner-2-scopeW-limitW-spentW-usedW-4, 8)
		head := "  " + Fit("NAME", nameW) + " " + Fit("SCOPES", scopeW) + " " + Fit("LIMIT", limitW) + " " +
			FitRight("SPENT", spentW) + " " + FitRight("LAST USED", usedW)
		b.WriteString(t.Muted.Render(head) + "\n")
		rows := max(k.height-14, 3) // the panel's title, header, help and news around the rows
		first := max(0, k.sel-rows+1)
		for i := first; i < len(k.list) && i < first+rows; i++ {
			key := k.list[i]
			spent := "–"
			if key.SpendLimit != nil {
				spent = k.c.Amount(key.SpentInPeriod)
			}
			used := "never"
			if key.LastUsedAt != nil {
				used = Ago(key.LastUsedAt.Time, k.c.now())
			}
			line := Fit(termsafe.String(key.Name), nameW) + " " + Fit(strings.Join(key.Scopes, ","), scopeW) + " " +
				Fit(k.limitText(key), limitW) + " " + FitRight(spent, spentW) + " " + FitRight(used, usedW)
			if i == k.sel {
				b.WriteString(t.Accent.Render("▸ "+line) + "\n")
			} else {
				b.WriteString("  " + t.Text.Render(line) + "\n")
			}
		}
		if sel := k.sel; sel < len(k.list) {
			b.WriteString("\n" + t.Faint.Render(Trunc(fmt.Sprintf("%s · expires %s", k.list[sel].ID,
				Date(k.list[sel].ExpiresAt.Time)), inner)) + "\n")
		}
	}
	if k.note != "" {
		st := t.Positive
		if k.noteBad {
			st = t.Error
		}
		b.WriteString("\n" + st.Render(wrap(k.note, inner)) + "\n")
	}
	if k.banner != "" {
		b.WriteString("\n" + t.Error.Render(wrap("✗ "+k.banner, inner)) + "\n")
	}
	b.WriteString("\n" + k.keyHint(sk.NewKey, " new key   "))
	if len(k.list) > 0 {
		b.WriteString(k.keyHint(sk.RevokeKey, " revoke   "))
	}
	b.WriteString(k.keyHint(sk.Back, " back"))
	return k.place(t.Panel.Width(k.panelWidth()).Render(b.String()))
}

func (k *secAPIKeys) formBody() string {
	t := k.c.Theme
	var b strings.Builder
	b.WriteString(t.Muted.Render(wrap("The key is shown once when it is made. It cannot sign in, change the password or two-factor, or manage keys.", k.inner())) + "\n\n")
	for i := 0; i < k.fields(); i++ {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(k.form.Fields[i].View(k.c, 8))
	}
	if k.req != 0 {
		b.WriteString("\n\n" + k.working("Creating the key…"))
	}
	return b.String() + k.refused(k.banner)
}

func (k *secAPIKeys) shownView() string {
	t := k.c.Theme
	sk := k.c.Keys.Security
	inner := k.inner()
	nk := k.created
	var b strings.Builder
	b.WriteString(t.Positive.Render(Trunc(fmt.Sprintf("✓ Created the API key %q.", termsafe.String(nk.Name)), inner)) + "\n\n")
	b.WriteString(t.Warning.Render(wrap("Store the key now: it is shown only this once, and the service keeps only a hash of it.", inner)) + "\n\n")
	// The key whole, cut into lines of the panel's width (never truncated).
	for key := nk.Key; key != ""; {
		n := min(len(key), inner)
		b.WriteString(t.Code.Render(key[:n]) + "\n")
		key = key[n:]
	}
	b.WriteString("\n" + t.Muted.Render(wrap(fmt.Sprintf("Scopes %s · limit %s · expires %s. In CI, store it as the secret SYFTWALLET_API_KEY.",
		strings.Join(nk.Scopes, ", "), k.limitText(nk.APIKey), Date(nk.ExpiresAt.Time)), inner)) + "\n\n")
	if k.copied {
		b.WriteString(t.Positive.Render(wrap("✓ Sent to the terminal's clipboard (if your terminal allows it, OSC 52).", inner)) + "\n\n")
	}
	b.WriteString(k.keyHint(sk.Copy, " copy key   ") + k.keyHint(sk.Open, " I have stored it"))
	return k.danger(t.Title.Render("New API key") + "\n\n" + b.String())
}

func (k *secAPIKeys) revokeView() string {
	return k.confirmView(&k.ask, k.req != 0, "Revoking…", k.banner)
}
