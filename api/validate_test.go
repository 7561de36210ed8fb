package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/syftbox/syftwallet/money"
)

func TestNormalizeEmail(t *testing.T) {
	good := map[string]string{
		" Ada@Example.com ":         "ada@example.com",
		"grace.hopper+x@mail.co.uk": "grace.hopper+x@mail.co.uk",
		"system@syftbox.org":        "system@syftbox.org",
	}
	for in, want := range good {
		got, err := NormalizeEmail("email", in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "a", "a@b", "@x.com", "a@.com", "a..b@x.com", "a@x.local",
		"a@host.localhost", "a@x.test", "a@x.invalid", "a b@x.com", "a@-x.com", "a@x.c0m", "ü@x.com"} {
		if _, err := NormalizeEmail("email", in); err == nil || err.Field != "email" {
			t.Errorf("NormalizeEmail(%q) accepted", in)
		}
	}
}

func TestCheckAmount(t *testing.T) {
	neg, zero, big, ok := money.Micros(-1), money.Micros(0), money.MaxAmount+1, money.Micros(5)
	for _, m := range []*money.Micros{nil, &neg, &zero, &big} {
		if _, err := CheckAmount("amount", m); err == nil || err.Field != "amount" {
			t.Errorf("CheckAmount(%v) accepted", m)
		}
	}
	if v, err := CheckAmount("amount", &ok); err != nil || v != 5 {
		t.Errorf("CheckAmount(5) = %v, %v", v, err)
	}
}

func TestTimeOnTheWire(t *testing.T) {
	tm := At(time.Date(2026, 11, 29, 10, 54, 24, 123456789, time.FixedZone("x", 3600)))
	b, _ := json.Marshal(tm)
	if string(b) != `"2026-11-29T09:54:24.123Z"` {
		t.Fatalf("got %s", b)
	}
	var back Time
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tm.Time) {
		t.Fatalf("round trip: %v %v", back, err)
	}
}
