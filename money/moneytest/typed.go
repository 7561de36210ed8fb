// Package moneytest holds the table of amounts as people type them, with the verdict of
// money.ParseHumanPositive for each: the money package's tests check the parser against it, and
// the tests of every place a person types an amount (the wallet's Pay screen and its confirmation,
// History's amount filters, pay --amount and history --min-amount/--max-amount) run the same table
// through that place, so they all accept and refuse exactly the same strings.
//
// It is for tests only and knows nothing but package money.
package moneytest

import "github.com/syftbox/syftwallet/money"

// Typed is one string a person may type and what it reads as.
type Typed struct {
	In string
	// Want is the amount read, when OK.
	Want money.Micros
	// Err is the kind of refusal (money.ErrSyntax, ErrPrecision, ErrRange, ErrNotPositive), nil when
	// the amount is read.
	Err error
	// Says is the whole sentence shown for a refusal.
	Says string
}

// OK reports whether the string is read as an amount.
func (t Typed) OK() bool { return t.Err == nil }

const u = money.Scale

// Cases is the table: every string of issue 10, and the decisions taken for the others.
var Cases = []Typed{
	// Plain decimals.
	{In: "12", Want: 12 * u},
	{In: "12.50", Want: 12_500_000},
	{In: "  7 ", Want: 7 * u},
	{In: "007", Want: 7 * u},
	{In: ".5", Want: 500_000},
	{In: "5.", Want: 5 * u},
	{In: "1.5", Want: 1_500_000},
	{In: "0.125", Want: 125_000},
	{In: "1000.000", Want: 1000 * u},
	{In: "0.000001", Want: 1},
	{In: "1000000000000", Want: money.MaxAmount},
	// Commas between thousands.
	{In: "1,250.00", Want: 1250 * u},
	{In: "12,345,678.5", Want: 12_345_678_500_000},
	{In: "1,234", Want: 1234 * u},
	{In: "1,234.5", Want: 1_234_500_000},
	{In: "1,234.", Want: 1234 * u},
	// A decimal comma: the sentence says what to write.
	{In: "0,99", Err: money.ErrSyntax, Says: "Write 0.99: use a point for cents."},
	{In: "1,50", Err: money.ErrSyntax, Says: "Write 1.50: use a point for cents."},
	{In: "12,5", Err: money.ErrSyntax, Says: "Write 12.5: use a point for cents."},
	{In: ",5", Err: money.ErrSyntax, Says: "Write 0.5: use a point for cents."},
	{In: "1.000,50", Err: money.ErrSyntax, Says: "Write 1000.50 (or 1,000.50): use a point for cents."},
	{In: "€ 12,50", Err: money.ErrSyntax, Says: "Write 12.50: use a point for cents."},
	{In: "0,1234567", Err: money.ErrPrecision, Says: "At most 6 decimal places: the smallest amount is 0.000001."},
	// Commas out of place.
	{In: "1,,000", Err: money.ErrSyntax, Says: "A comma goes only between thousands, like 1,250.00."},
	{In: "1,00,000", Err: money.ErrSyntax, Says: "A comma goes only between thousands, like 1,250.00."},
	{In: "5,000.00.00", Err: money.ErrSyntax, Says: "A comma goes only between thousands, like 1,250.00."},
	// Points that group thousands, or could: 1.250 is 1.25 here and 1250 elsewhere.
	{In: "1.000.000", Err: money.ErrSyntax, Says: "Write 1000000 (or 1,000,000): a point is only for cents."},
	{In: "1.250", Err: money.ErrSyntax, Says: "Write 1.25 or 1250: 1.250 could be read either way."},
	{In: "1.000", Err: money.ErrSyntax, Says: "Write 1.00 or 1000: 1.000 could be read either way."},
	{In: "1.125", Err: money.ErrSyntax, Says: "Write 1.1250 or 1125: 1.125 could be read either way."},
	{In: "1.2.3", Err: money.ErrSyntax, Says: "Enter an amount like 12.50: digits, and a point for cents."},
	// Too large: the sentence names the maximum.
	{In: "99999999999999999999", Err: money.ErrRange, Says: "That is too large: at most 1,000,000,000,000.00."},
	{In: "1000000000000.000001", Err: money.ErrRange, Says: "That is too large: at most 1,000,000,000,000.00."},
	{In: "9227000000000", Err: money.ErrRange, Says: "That is too large: at most 1,000,000,000,000.00."},
	{In: "1,234,567,890,123,456", Err: money.ErrRange, Says: "That is too large: at most 1,000,000,000,000.00."},
	// More than 6 decimals, even zeros.
	{In: "1.1234567", Err: money.ErrPrecision, Says: "At most 6 decimal places: the smallest amount is 0.000001."},
	{In: "1.5000000", Err: money.ErrPrecision, Says: "At most 6 decimal places: the smallest amount is 0.000001."},
	// Spaces inside.
	{In: "1 000", Err: money.ErrSyntax, Says: "Write 1000 (or 1,000): no spaces inside an amount."},
	{In: "1\u00a0000.50", Err: money.ErrSyntax, Says: "Write 1000.50 (or 1,000.50): no spaces inside an amount."},
	{In: "12 5", Err: money.ErrSyntax, Says: "Write the amount without spaces, like 1250.00."},
	// Digits of other scripts (Arabic-Indic, full-width).
	{In: "١٢٫٥", Err: money.ErrSyntax, Says: "Type the amount with the digits 0 to 9, like 12.50."},
	{In: "１２", Err: money.ErrSyntax, Says: "Type the amount with the digits 0 to 9, like 12.50."},
	// Signs, zero, exponents, currency signs, anything else.
	{In: "+5", Err: money.ErrSyntax, Says: "Write 5 without a sign."},
	{In: "-5", Err: money.ErrSyntax, Says: "Write 5 without a sign."},
	{In: "0", Err: money.ErrNotPositive, Says: "The amount must be more than zero."},
	{In: "0.00", Err: money.ErrNotPositive, Says: "The amount must be more than zero."},
	{In: "1e5", Err: money.ErrSyntax, Says: "Write the amount out in digits, without an exponent (e)."},
	{In: "$12.50", Err: money.ErrSyntax, Says: "Write 12.50 without the currency sign."},
	{In: "", Err: money.ErrSyntax, Says: "Enter an amount, like 12.50."},
	{In: ".", Err: money.ErrSyntax, Says: "Enter an amount like 12.50: digits, and a point for cents."},
	{In: "abc", Err: money.ErrSyntax, Says: "Enter an amount like 12.50: digits, and a point for cents."},
	{In: "12\x1b]52;c;aGk=\x07", Err: money.ErrSyntax, Says: "Enter an amount like 12.50: digits, and a point for cents."},
	{In: "5\u202e", Err: money.ErrSyntax, Says: "Enter an amount like 12.50: digits, and a point for cents."},
}
