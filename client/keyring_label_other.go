//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

package client

// relabel does nothing where the OS keyring is not the Secret Service: go-keyring's macOS and
// Windows items are named by the service and account ("syftwallet", "email@server").
func relabel(user, label string) {}
