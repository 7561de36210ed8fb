package money

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNotPositive is returned by ParseHumanPositive for zero.
var ErrNotPositive = errors.New("not more than zero")

// HumanError is why an amount a person typed was refused: Reason is one sentence for that person,
// showing the accepted form when there is one. Reason never repeats the typed text itself: at
// most the ASCII digits, points and commas read from it, rearranged into what to write instead.
type HumanError struct {
	// Err is ErrSyntax, ErrPrecision, ErrRange or ErrNotPositive, for errors.Is.
	Err    error
	Reason string
}

func (e *HumanError) Error() string { return e.Reason }
func (e *HumanError) Unwrap() error { return e.Err }

func refuse(kind error, reason string) error { return &HumanError{Err: kind, Reason: reason} }

// maxTyped is the longest text read as a typed amount; anything longer is refused unread.
const maxTyped = 64

var (
	errEnter    = refuse(ErrSyntax, "Enter an amount, like 12.50.")
	errLike     = refuse(ErrSyntax, "Enter an amount like 12.50: digits, and a point for cents.")
	errDigits   = refuse(ErrSyntax, "Type the amount with the digits 0 to 9, like 12.50.")
	errComma    = refuse(ErrSyntax, "A comma goes only between thousands, like 1,250.00.")
	errPlaces   = refuse(ErrPrecision, "At most 6 decimal places: the smallest amount is 0.000001.")
	errTooLarge = refuse(ErrRange, "That is too large: at most "+MaxAmount.Grouped()+".")
	errZero     = refuse(ErrNotPositive, "The amount must be more than zero.")
)

// ParseHuman reads an amount as a person types it, in a form field or a command's flag, and says
// in one sentence what to write instead when it cannot be read one way only. Zero is accepted
// (a filter bound); a payment uses ParseHumanPositive.
//
// Accepted: ASCII digits with an optional point and up to 6 decimals ("12", "12.50", ".5", "5."),
// and commas only as thousands separators, the first group 1 to 3 digits and every next group
// exactly three ("1,234", "1,250.00", "12,345,678.5"). Surrounding white space is ignored.
//
// Refused, with the form to write instead where one can be told:
//   - a decimal comma ("0,99", "1,50", "12,5", ",5", "1.000,50"): "Write 0.99: use a point for cents.";
//   - points between thousands ("1.000.000"), or a point followed by exactly three digits after
//     one to three digits ("1.250", "1.000"), which reads as 1.25 in one country and 1250 in
//     another;
//   - commas out of place ("1,,000", "1,00,000", "12,34");
//   - spaces inside ("1 000"), a sign ("+5", "-5"), an exponent ("1e5"), a currency sign ("$5"),
//     digits of other scripts ("١٢", "１２");
//   - more than 6 decimals, and more than MaxAmount (the sentence names the maximum).
func ParseHuman(s string) (Micros, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, errEnter
	case len(s) > maxTyped:
		if strings.Trim(s, "0123456789,.") == "" {
			return 0, errTooLarge
		}
		return 0, errLike
	}
	if s[0] == '+' || s[0] == '-' {
		rest := strings.TrimSpace(s[1:])
		if _, err := plainAmount(rest); err != nil {
			return 0, err
		}
		return 0, refuse(ErrSyntax, "Write "+rest+" without a sign.")
	}
	return plainAmount(s)
}

// ParseHumanPositive is ParseHuman for an amount to pay: zero is refused too.
func ParseHumanPositive(s string) (Micros, error) {
	m, err := ParseHuman(s)
	if err == nil && m == 0 {
		return 0, errZero
	}
	return m, err
}

// plainAmount reads s without a sign.
func plainAmount(s string) (Micros, error) {
	if strings.Trim(s, "0123456789,.") != "" {
		return 0, oddAmount(s)
	}
	if strings.Trim(s, ",.") == "" {
		return 0, errLike
	}
	whole, frac, point := strings.Cut(s, ".")
	if strings.Contains(s, ",") {
		return commaAmount(s, whole, frac)
	}
	if strings.Contains(frac, ".") {
		// 1.000.000: points between thousands.
		if groupsOf3(strings.Split(s, ".")) {
			flat := strings.ReplaceAll(s, ".", "")
			if _, err := exact(flat, ""); err != nil {
				return 0, err
			}
			return 0, refuse(ErrSyntax, "Write "+flat+" (or "+withCommas(flat)+"): a point is only for cents.")
		}
		return 0, errLike
	}
	if point && len(frac) == 3 && len(whole) >= 1 && len(whole) <= 3 && whole[0] != '0' {
		// 1.250 is 1.25 here and 1250 where a point groups thousands.
		small := whole + "." + strings.TrimRight(frac, "0")
		switch {
		case strings.HasSuffix(small, "."):
			small += "00"
		case !strings.HasSuffix(frac, "0"):
			small = whole + "." + frac + "0"
		case len(small)-len(whole)-1 == 1:
			small += "0"
		}
		return 0, refuse(ErrSyntax, "Write "+small+" or "+whole+frac+": "+whole+"."+frac+" could be read either way.")
	}
	return exact(whole, frac)
}

// commaAmount reads s, which holds a comma: thousands separators, or a refusal that says how to
// write a decimal comma.
func commaAmount(s, whole, frac string) (Micros, error) {
	if !strings.Contains(frac, ",") && !strings.Contains(frac, ".") && groupsOf3(strings.Split(whole, ",")) {
		return exact(strings.ReplaceAll(whole, ",", ""), frac)
	}
	// A decimal comma: 0,99 / 12,5 / ,5 / 1.000,50 (points, if any, between thousands before it).
	left, right, _ := strings.Cut(s, ",")
	if right != "" && strings.Trim(right, "0123456789") == "" {
		groups := strings.Split(left, ".")
		if left == "" || len(groups) == 1 || groupsOf3(groups) {
			flat := strings.ReplaceAll(left, ".", "")
			if flat == "" {
				flat = "0"
			}
			if _, err := exact(flat, right); err != nil {
				return 0, err
			}
			if len(groups) > 1 {
				return 0, refuse(ErrSyntax, "Write "+flat+"."+right+" (or "+withCommas(flat)+"."+right+"): use a point for cents.")
			}
			return 0, refuse(ErrSyntax, "Write "+flat+"."+right+": use a point for cents.")
		}
	}
	return 0, errComma
}

// groupsOf3 reports whether parts are thousands groups: the first 1 to 3 digits, every other 3.
func groupsOf3(parts []string) bool {
	if len(parts) < 2 || len(parts[0]) < 1 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

// exact turns validated ASCII digits (whole may be empty when frac is not) into micro-units.
func exact(whole, frac string) (Micros, error) {
	if whole == "" && frac == "" {
		return 0, errLike
	}
	if len(frac) > Places {
		return 0, errPlaces
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 13 { // MaxAmount has 13 digits
		return 0, errTooLarge
	}
	var m int64
	for i := 0; i < len(whole); i++ {
		m = m*10 + int64(whole[i]-'0')
	}
	if m > int64(MaxAmount/Scale) {
		return 0, errTooLarge // before scaling: 13 digits in micro-units can overflow int64
	}
	m *= Scale
	unit := int64(Scale)
	for i := 0; i < len(frac); i++ {
		unit /= 10
		m += int64(frac[i]-'0') * unit
	}
	if Micros(m) > MaxAmount {
		return 0, errTooLarge
	}
	return Micros(m), nil
}

// withCommas groups ASCII digits by three: 1000000 -> 1,000,000.
func withCommas(digits string) string {
	var b strings.Builder
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// oddAmount says what is wrong with s, which holds something other than ASCII digits, points and
// commas, without repeating it.
func oddAmount(s string) error {
	// A currency sign before or after: $12.50, 12,50 €.
	first, n := utf8.DecodeRuneInString(s)
	last, m := utf8.DecodeLastRuneInString(s)
	rest := ""
	switch {
	case unicode.Is(unicode.Sc, first):
		rest = strings.TrimSpace(s[n:])
	case unicode.Is(unicode.Sc, last):
		rest = strings.TrimSpace(s[:len(s)-m])
	}
	if rest != "" {
		if _, err := ParseHuman(rest); err != nil {
			return err
		}
		return refuse(ErrSyntax, "Write "+rest+" without the currency sign.")
	}
	var spaces, foreign bool
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			spaces = true
		case r > utf8.RuneSelf && unicode.IsDigit(r):
			foreign = true
		}
	}
	switch {
	case foreign:
		return errDigits
	case spaces:
		return spacedAmount(s)
	case isExponent(s):
		return refuse(ErrSyntax, "Write the amount out in digits, without an exponent (e).")
	}
	return errLike
}

// spacedAmount says how to write 1 000 (or 1 000.50, with any kind of space between thousands).
func spacedAmount(s string) error {
	parts := strings.FieldsFunc(s, unicode.IsSpace)
	last := parts[len(parts)-1]
	lastWhole, lastFrac, point := strings.Cut(last, ".")
	groups := append(append([]string(nil), parts[:len(parts)-1]...), lastWhole)
	joined := strings.Join(groups, "")
	if strings.Trim(joined+lastFrac, "0123456789") != "" || !groupsOf3(groups) {
		return refuse(ErrSyntax, "Write the amount without spaces, like 1250.00.")
	}
	if _, err := exact(joined, lastFrac); err != nil {
		return err
	}
	tail := ""
	if point {
		tail = "." + lastFrac
	}
	return refuse(ErrSyntax, "Write "+joined+tail+" (or "+withCommas(joined)+tail+"): no spaces inside an amount.")
}

// isExponent reports whether s is written with an exponent: 1e5, 2.5E-3.
func isExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 {
		return false
	}
	mant, exp := s[:i], strings.TrimLeft(s[i+1:], "+-")
	return exp != "" && strings.Trim(exp, "0123456789") == "" &&
		strings.Trim(mant, "0123456789.") == "" && strings.Trim(mant, ".") != ""
}
