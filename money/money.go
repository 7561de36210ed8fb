// Package money holds amounts as integer micro-units (one millionth of the currency unit) and
// converts them exactly to and from decimal text and JSON. It never goes through float64.
//
// It knows nothing of accounts, users, HTTP or the ledger: it is arithmetic and formatting only.
package money

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Micros is an amount in micro-units: 1.5 units is Micros(1_500_000).
type Micros int64

// Scale is the number of micro-units in one unit of currency.
const Scale = 1_000_000

// Places is the number of fractional digits an amount may carry.
const Places = 6

// MaxAmount is the largest amount a single movement may carry: 1,000,000,000,000 units.
const MaxAmount Micros = 1_000_000_000_000 * Scale

// Errors returned by Parse. They never contain the input text.
var (
	ErrSyntax    = errors.New("not a decimal number")
	ErrPrecision = errors.New("more than 6 fractional digits")
	ErrRange     = errors.New("out of range")
)

var (
	scaleDec = decimal.New(1, Places)
	intLimit = decimal.New(9, 18) // below math.MaxInt64, far above MaxAmount
)

// Parse reads a decimal such as "12", "12.5", "-0.000001" or "1e3" exactly. Trailing zeros beyond
// six places are accepted ("1.5000000"); a non-zero digit beyond six places is ErrPrecision.
func Parse(s string) (Micros, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return 0, ErrSyntax
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return 0, ErrSyntax
	}
	return FromDecimal(d)
}

// FromDecimal converts an exact decimal to micro-units.
func FromDecimal(d decimal.Decimal) (Micros, error) {
	m := d.Mul(scaleDec)
	if !m.Equal(m.Truncate(0)) {
		return 0, ErrPrecision
	}
	// Bound before converting: IntPart silently wraps outside int64.
	if m.Abs().GreaterThan(intLimit) {
		return 0, ErrRange
	}
	return Micros(m.IntPart()), nil
}

// Decimal returns the exact decimal value.
func (m Micros) Decimal() decimal.Decimal { return decimal.New(int64(m), -Places) }

// String writes the shortest exact decimal: 10.5, 10, -0.000001.
func (m Micros) String() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	whole, frac := u/Scale, u%Scale
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	fmt.Fprintf(&b, "%d", whole)
	if frac != 0 {
		f := fmt.Sprintf("%06d", frac)
		b.WriteByte('.')
		b.WriteString(strings.TrimRight(f, "0"))
	}
	return b.String()
}

// Fixed writes the amount with at least minPlaces fractional digits (more when the amount needs
// them, never rounding): Fixed(2) of 10.5 is "10.50", of 0.000001 is "0.000001".
func (m Micros) Fixed(minPlaces int) string {
	s := m.String()
	dot := strings.IndexByte(s, '.')
	have := 0
	if dot < 0 {
		if minPlaces > 0 {
			s += "."
		}
	} else {
		have = len(s) - dot - 1
	}
	for ; have < minPlaces; have++ {
		s += "0"
	}
	return s
}

// Grouped writes Fixed(2) with thousands separators: 1,234,567.50.
func (m Micros) Grouped() string {
	s := m.Fixed(2)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	return sign + withCommas(whole) + "." + frac
}

// MarshalJSON writes a JSON number from the exact decimal (10.5, never 10.499999).
func (m Micros) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON accepts a JSON number (10.5) or a string ("10.50"), parsed exactly.
func (m *Micros) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if len(s) < 2 || !strings.HasSuffix(s, `"`) {
			return ErrSyntax
		}
		s = s[1 : len(s)-1]
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
