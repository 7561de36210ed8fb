//go:build linux || freebsd || netbsd || openbsd || dragonfly

package client

import (
	"context"
	"os"
	"time"

	"github.com/godbus/dbus/v5"
)

// relabelTimeout bounds relabel: a label is a courtesy, never worth a stall.
const relabelTimeout = 2 * time.Second

// relabel gives the Secret Service items of the entry user the label that says what they hold.
// go-keyring labels every item it writes "Password for '<user>' on '<service>'" and cannot be
// told otherwise, so a person reading their keyring (Seahorse, KWallet) would take a session for
// their password. Best effort: over a private connection to the bus DBUS_SESSION_BUS_ADDRESS
// names (never the shared one, never an autolaunched bus), within relabelTimeout; any failure
// leaves go-keyring's label.
func relabel(user, label string) {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" || addr == "autolaunch:" || label == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), relabelTimeout)
	defer cancel()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return
	}
	defer conn.Close()
	const service = "org.freedesktop.secrets"
	var unlocked, locked []dbus.ObjectPath
	err = conn.Object(service, "/org/freedesktop/secrets").CallWithContext(ctx,
		"org.freedesktop.Secret.Service.SearchItems", 0,
		map[string]string{"service": KeyringService, "username": user}).Store(&unlocked, &locked)
	if err != nil {
		return
	}
	for _, item := range unlocked {
		_ = conn.Object(service, item).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Set", 0,
			"org.freedesktop.Secret.Item", "Label", dbus.MakeVariant(label)).Err
	}
}
