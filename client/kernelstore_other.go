//go:build !linux

package client

// newKernelStore reports that there is no kernel keyring outside Linux: the OS keyring (macOS
// Keychain, Windows Credential Manager) is always there instead.
func newKernelStore() (TokenStore, bool) { return nil, false }

func kernelKind(TokenStore) string { return "" }

func describeKernel(TokenStore, *StoreReport) {}
