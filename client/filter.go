package client

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/syftbox/syftwallet/api"
	"github.com/syftbox/syftwallet/money"
)

// The history filter language, one implementation for the wallet's History (/) and the
// scripting command (syftwallet history --filter). It reads words into a HistoryQuery, which
// the service applies (and, on a legacy service or to a live payment, HistoryQuery.Matches).

// ParseFilter reads the history filter language into a query:
//
//	free words          text in the memo, app name or counterparty ("quoted words" keep spaces)
//	in, out             the direction
//	status:pending      or completed, cancelled
//	>10 >=10 <5 <=5     the amount, exact decimals (>10 means more than 10.00)
//	since:2026-11-01    on or after that day (or an RFC 3339 time)
//	until:2026-11-30    up to the end of that day (or before an RFC 3339 time)
//	with:ada@example.com  the counterparty
//
// Dates are read in loc. An error names the word at fault.
func ParseFilter(s string, loc *time.Location) (HistoryQuery, error) {
	var q HistoryQuery
	var text []string
	words, err := filterWords(s)
	if err != nil {
		return q, err
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w.quoted {
			text = append(text, w.s)
			continue
		}
		if strings.HasPrefix(w.s, ">") || strings.HasPrefix(w.s, "<") {
			// ">1 000" is one amount, as the Pay screen reads it (and refuses it there), never
			// "more than 1" and the text "000": the numbers after a bound belong to it. A number
			// meant as text is quoted.
			for i+1 < len(words) && !words[i+1].quoted && numberWord(words[i+1].s) {
				i++
				w.s += " " + words[i].s
			}
		}
		lw := strings.ToLower(w.s)
		switch {
		case lw == "in" || lw == "out":
			d := api.DirectionIn
			if lw == "out" {
				d = api.DirectionOut
			}
			if q.Direction != "" && q.Direction != d {
				return q, errors.New("in and out together match nothing; pick one")
			}
			q.Direction = d
		case strings.HasPrefix(lw, "status:"):
			v := strings.TrimPrefix(lw, "status:")
			switch v {
			case "pending":
				q.Status = api.StatusPending
			case "completed", "complete", "done":
				q.Status = api.StatusCompleted
			case "cancelled", "canceled":
				q.Status = api.StatusCancelled
			default:
				return q, fmt.Errorf("status:%s: the status is pending, completed or cancelled", v)
			}
		case strings.HasPrefix(lw, ">") || strings.HasPrefix(lw, "<"):
			if err := amountBound(&q, w.s); err != nil {
				return q, err
			}
		case strings.HasPrefix(lw, "since:"), strings.HasPrefix(lw, "until:"):
			name, v, _ := strings.Cut(w.s, ":")
			t, day, err := filterTime(v, loc)
			if err != nil {
				return q, fmt.Errorf("%s: write a date like 2026-11-01", w.s)
			}
			if strings.EqualFold(name, "since") {
				q.Since = t
			} else {
				if day {
					t = t.AddDate(0, 0, 1) // until a day includes that day
				}
				q.Until = t
			}
		case strings.HasPrefix(lw, "with:"):
			v := strings.TrimSpace(w.s[len("with:"):])
			e, verr := api.NormalizeEmail("counterparty", v)
			if verr != nil {
				return q, fmt.Errorf("%s: not an email address", w.s)
			}
			q.Counterparty = e
		case strings.Contains(lw, ":") && !strings.Contains(lw, "@") && !strings.Contains(lw, "//"):
			name, _, _ := strings.Cut(w.s, ":")
			return q, fmt.Errorf(`%s: unknown filter %q (known: in, out, status:, since:, until:, with:, >, <); quote it to search for the text`, w.s, name+":")
		default:
			text = append(text, w.s)
		}
	}
	q.Q = strings.Join(text, " ")
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, errors.New("until must be after since")
	}
	if q.MinAmount > 0 && q.MaxAmount > 0 && q.MaxAmount < q.MinAmount {
		return q, errors.New("no amount is both above the minimum and below the maximum")
	}
	return q, nil
}

type filterWord struct {
	s      string
	quoted bool
}

// filterWords splits s on spaces, keeping "quoted words" together.
func filterWords(s string) ([]filterWord, error) {
	var out []filterWord
	var b strings.Builder
	inQuote, quoted := false, false
	flush := func() {
		if b.Len() > 0 || quoted {
			if v := b.String(); v != "" {
				out = append(out, filterWord{s: v, quoted: quoted})
			}
		}
		b.Reset()
		quoted = false
	}
	for _, r := range s {
		switch {
		case r == '"':
			if inQuote {
				inQuote = false
				flush()
			} else {
				flush()
				inQuote, quoted = true, true
			}
		case !inQuote && (r == ' ' || r == '\t'):
			flush()
		default:
			b.WriteRune(r)
		}
	}
	if inQuote {
		return nil, errors.New(`a quote is not closed: add the closing "`)
	}
	flush()
	return out, nil
}

// amountBound reads >10, >=10, <5, <=5 exactly, the amount as money.ParseHuman reads it (the
// Pay screen's and the scripting commands' parser).
func amountBound(q *HistoryQuery, w string) error {
	op := w[:1]
	v := w[1:]
	incl := strings.HasPrefix(v, "=")
	if incl {
		v = v[1:]
	}
	m, err := money.ParseHuman(v)
	if err != nil {
		return fmt.Errorf("%s: %s", w, lowerFirst(err.Error()))
	}
	if op == ">" {
		if !incl {
			m++ // more than: the next micro-unit
		}
		q.MinAmount = max(m, 1)
		return nil
	}
	if !incl {
		m-- // less than
	}
	if m <= 0 {
		return fmt.Errorf("%s: no amount is that small", w)
	}
	q.MaxAmount = m
	return nil
}

// numberWord reports whether a filter word is digits, with points and commas, such as the
// groups of an amount typed with spaces.
func numberWord(w string) bool {
	if w == "" || !unicode.IsDigit([]rune(w)[0]) {
		return false
	}
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '.' && r != ',' {
			return false
		}
	}
	return true
}

// lowerFirst writes a sentence's first letter small, to follow "word: ".
func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// filterTime reads a day (2026-11-01) or an RFC 3339 time; day says which.
func filterTime(s string, loc *time.Location) (time.Time, bool, error) {
	if loc == nil {
		loc = time.Local
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, false, err
}
