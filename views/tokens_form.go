package views

import (
	"errors"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/client"
	"github.com/syftbox/syftwallet/money"
)

// The Tokens screen's form: what it checks before it asks (recipient, uses, limit, lifetime),
// and where the service's refusal goes.

func (t *Tokens) submit() tea.Cmd {
	f := t.form.Fields
	t.form.ClearErrors()
	t.banner = ""
	email, e := api.NormalizeEmail("recipient", f[tokRecipient].Value())
	if e != nil {
		f[tokRecipient].Err = e.Message
		return t.form.FocusOn(tokRecipient)
	}
	if email == t.c.Email {
		f[tokRecipient].Err = "Not yourself: pick someone else."
		return t.form.FocusOn(tokRecipient)
	}
	req := client.TokenRequest{Recipient: email}
	if s := strings.TrimSpace(f[tokUses].Value()); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > api.MaxTokenUses {
			f[tokUses].Err = "A whole number from 1 to 1,000,000, or blank for any number of times."
			return t.form.FocusOn(tokUses)
		}
		req.MaxUses = n
	}
	if s := strings.TrimSpace(f[tokLimit].Value()); s != "" {
		m, err := money.ParseHumanPositive(s)
		if err != nil {
			f[tokLimit].Err = err.Error()
			return t.form.FocusOn(tokLimit)
		}
		req.MaxAmount = m
	}
	if s := strings.TrimSpace(f[tokExpires].Value()); s != "" {
		d, ok := parseLifetime(s)
		if !ok {
			f[tokExpires].Err = "Write how long it lasts, such as 30m, 2h or 1d, or leave it blank."
			return t.form.FocusOn(tokExpires)
		}
		req.ExpiresIn = d
	}
	return t.create(req)
}

// parseLifetime reads 30m, 2h, 1h30m (a Go duration of at least a second) or 1d.
func parseLifetime(s string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err == nil && n > 0 && n <= 366
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= time.Second
}

// tokenFields maps the names of a refused field (ErrorField's, and the token request's own on
// the wire) to the form's fields.
var tokenFields = map[string]int{
	"recipient": tokRecipient, "maxUses": tokUses, "maxAmount": tokLimit, "expiresIn": tokExpires,
}

// refused puts the service's refusal of a create on the field it names, or over the form.
func (t *Tokens) refused(err error) tea.Cmd {
	field, text := ErrorField(err)
	var val *client.ValidationError
	if errors.As(err, &val) {
		if _, ok := tokenFields[val.Field]; ok {
			field = val.Field
		}
	}
	if i, ok := tokenFields[field]; ok {
		t.form.Fields[i].Err = text
		return t.form.FocusOn(i)
	}
	t.banner = text
	return nil
}
