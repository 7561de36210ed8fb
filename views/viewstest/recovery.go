package viewstest

import "github.com/syftbox/syftwallet/client"

// SpentRecoveryCode is a recovery code that was used already: VerifyMFA answers it as the
// service does a spent one, with a *client.RecoveryCodeUsedError.
const SpentRecoveryCode = "spentx-spentx-spentx-spentx"

func spentRecoveryCode() error {
	return &client.RecoveryCodeUsedError{ValidationError: &client.ValidationError{Field: "code",
		Message: "This recovery code was already used: 4 more tries for this sign-in."}}
}
