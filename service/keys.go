package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/syftbox/syftwallet/ledger"
	"github.com/syftbox/syftwallet/server/auth"
)

// The start-up rule that keys and ledger belong together (docs/api-decisions.md, "Keys"):
//
//   - The ledger records the ids of the keys its secrets depend on (the signing kid, the data key's
//     id) and each sealed TOTP secret carries the id of the key that sealed it.
//   - New keys are made silently only when nothing depends on keys: no sealed secret, no live
//     session and no delegation token that may still be presented. A keys file that exists is
//     never overwritten silently, not even a corrupt one.
//   - Otherwise the service starts only with the keys the ledger records. Missing, other or corrupt
//     keys are refused with a KeysError that says what is wrong and how to fix it.
//   - With Options.NewKeys, and only when the keys do not match, the service makes new keys (the
//     old file, if any, is kept beside as keys.json.replaced-<time>), ends every session, drops
//     unconfirmed enrollments, and records the new ids. Two-factor accounts keep their old secret,
//     which sign-in can no longer check: they sign in with a recovery code and enroll again.

// KeysError is the refusal to start with keys that cannot open what the ledger holds. Its Error
// is the sentences to show the person: what is wrong and how to fix it.
type KeysError struct {
	Problem  KeysProblem
	KeysPath string
	Have     string // kid of the keys found (Problem KeysOther)
	Want     string // kid the ledger records ("" when it records none)
	Use      ledger.KeyUse
	// NewKeys is the command that starts the service with new keys, as the person would type it.
	NewKeys string
}

// KeysProblem is what is wrong with the keys.
type KeysProblem int

// The problems with the keys file.
const (
	KeysMissing KeysProblem = iota + 1 // the file is not there
	KeysOther                          // it holds a valid keyset, but not the ledger's
	KeysCorrupt                        // it is not a usable keyset
)

func (e *KeysError) Error() string {
	var b strings.Builder
	switch e.Problem {
	case KeysMissing:
		fmt.Fprintf(&b, "The keys file %s is missing, but this ledger depends on the keys it held", e.KeysPath)
		if e.Want != "" {
			fmt.Fprintf(&b, " (key id %s)", e.Want)
		}
		b.WriteString(". ")
	case KeysOther:
		if e.Want != "" && e.Have == e.Want {
			fmt.Fprintf(&b, "The keys file %s holds the signing key this ledger was used with (key id %s) but another data key, "+
				"which cannot open the ledger's two-factor secrets. ", e.KeysPath, e.Want)
		} else if e.Want != "" {
			fmt.Fprintf(&b, "The keys file %s holds other keys (key id %s) than the ones this ledger was used with (key id %s). ", e.KeysPath, e.Have, e.Want)
		} else {
			fmt.Fprintf(&b, "The keys file %s holds other keys (key id %s) than the ones that sealed this ledger's secrets: it opens none of them. ", e.KeysPath, e.Have)
		}
	case KeysCorrupt:
		fmt.Fprintf(&b, "The keys file %s is damaged: it does not hold a usable keyset. ", e.KeysPath)
	}
	fmt.Fprintf(&b, "Restore keys.json from your backup to %s and start again", e.KeysPath)
	lost := consequences(e.Use)
	if lost == "" {
		fmt.Fprintf(&b, "; or, since nothing in this ledger depends on those keys, start once with `%s` to make new ones.", e.NewKeys)
		return b.String()
	}
	fmt.Fprintf(&b, "; or start once with `%s` to make new keys", e.NewKeys)
	if e.Problem != KeysMissing {
		b.WriteString(" (the file there is kept beside it, renamed keys.json.replaced-<time>)")
	}
	fmt.Fprintf(&b, ", and then %s.", lost)
	return b.String()
}

// consequences says what stops working when u's keys are replaced, as the end of a sentence
// ("" when nothing does).
func consequences(u ledger.KeyUse) string {
	mfa, pending := u.MFAAccounts, u.Pending
	for _, l := range u.Legacy {
		if l.Pending {
			pending++
		} else {
			mfa++
		}
	}
	var parts []string
	if mfa > 0 {
		parts = append(parts, fmt.Sprintf("%s with two-factor sign-in must sign in with a recovery code and enroll again",
			plural(mfa, "account", "accounts")))
	}
	if pending > 0 {
		parts = append(parts, fmt.Sprintf("%s not yet confirmed must start again", plural(pending, "two-factor enrollment", "two-factor enrollments")))
	}
	if u.LiveSessions > 0 {
		verb := "end"
		if u.LiveSessions == 1 {
			verb = "ends"
		}
		parts = append(parts, fmt.Sprintf("%s %s (people sign in again)", plural(u.LiveSessions, "session", "sessions"), verb))
	}
	switch {
	case !u.TokensUntil.IsZero():
		parts = append(parts, "the delegation tokens issued so far stop working (the last could be used until "+
			u.TokensUntil.UTC().Format("2006-01-02 15:04")+" UTC)")
	case len(parts) == 0:
		return ""
	default:
		parts = append(parts, "delegation tokens issued so far stop working")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	if len(parts) == 2 {
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func idsOf(ks *auth.Keyset) ledger.KeyIDs {
	return ledger.KeyIDs{Signing: ks.KID(), Data: ks.DataKeyID()}
}

// openKeys loads the keys at path and checks them against what store records, applying the rule
// above. It returns the keys to run with, or a *KeysError.
func openKeys(ctx context.Context, store ledger.KeyStore, path string, newKeys bool, newKeysCmd string,
	now time.Time, log *slog.Logger) (*auth.Keyset, error) {
	use, err := store.KeyUse(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: keys: %w", err)
	}
	refuse := func(p KeysProblem, have string) error {
		return &KeysError{Problem: p, KeysPath: path, Have: have, Want: use.Recorded.Signing, Use: use, NewKeys: newKeysCmd}
	}
	ks, err := auth.LoadKeyset(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if use.Empty() {
			if ks, err = auth.CreateKeyset(path); err != nil {
				return nil, fmt.Errorf("service: keys: %w", err)
			}
			if use.Recorded != (ledger.KeyIDs{}) {
				log.Info("new keys made: nothing in the ledger depended on the old ones", "keys", path, "kid", ks.KID())
			}
			return ks, store.AdoptKeys(ctx, idsOf(ks), nil)
		}
		if !newKeys {
			return nil, refuse(KeysMissing, "")
		}
		return replaceKeys(ctx, store, path, use, now, log)
	case errors.Is(err, auth.ErrKeysetCorrupt):
		if !newKeys {
			return nil, refuse(KeysCorrupt, "")
		}
		return replaceKeys(ctx, store, path, use, now, log)
	default:
		return nil, fmt.Errorf("service: keys: %w", err)
	}

	ids := idsOf(ks)
	switch {
	case use.Recorded == ids:
		if newKeys {
			log.Warn("--new-keys ignored: the keys file opens everything in the ledger", "keys", path, "kid", ks.KID())
		}
		return ks, nil
	case use.Recorded != (ledger.KeyIDs{}) && !use.Empty():
		if !newKeys {
			return nil, refuse(KeysOther, ks.KID())
		}
		return replaceKeys(ctx, store, path, use, now, log)
	case use.Recorded != (ledger.KeyIDs{}):
		log.Info("keys file changed: nothing in the ledger depended on the old keys", "keys", path, "kid", ks.KID())
		return ks, store.AdoptKeys(ctx, ids, nil)
	}
	// A ledger from before key ids: find out which of its secrets these keys open.
	opened := 0
	legacy := make([]ledger.LegacySecret, len(use.Legacy))
	for i, l := range use.Legacy {
		l.KeyID = ledger.UnknownKey
		if _, err := ks.Open(l.Sealed, []byte(l.AccountID)); err == nil {
			l.KeyID = ids.Data
			opened++
		}
		legacy[i] = l
	}
	if len(legacy) > 0 && opened == 0 {
		if !newKeys {
			return nil, refuse(KeysOther, ks.KID())
		}
		return replaceKeys(ctx, store, path, use, now, log)
	}
	if lost := len(legacy) - opened; lost > 0 {
		log.Warn("some two-factor secrets were sealed by keys that are gone: those accounts sign in with a recovery code",
			"secrets", lost)
	}
	return ks, store.AdoptKeys(ctx, ids, legacy)
}

// replaceKeys makes new keys (keeping the old file beside) and ends what the old ones held.
func replaceKeys(ctx context.Context, store ledger.KeyStore, path string, use ledger.KeyUse, now time.Time,
	log *slog.Logger) (*auth.Keyset, error) {
	ks, moved, err := auth.ReplaceKeyset(path, now)
	if err != nil {
		return nil, fmt.Errorf("service: new keys: %w", err)
	}
	revoked, err := store.ReplaceKeys(ctx, idsOf(ks))
	if err != nil {
		return nil, fmt.Errorf("service: new keys: %w", err)
	}
	attrs := []any{"keys", path, "kid", ks.KID(), "sessions_revoked", len(revoked)}
	if moved != "" {
		attrs = append(attrs, "old_keys_kept_as", moved)
	}
	if lost := consequences(use); lost != "" {
		attrs = append(attrs, "effect", lost)
	}
	log.Warn("new keys made (--new-keys)", attrs...)
	return ks, nil
}
