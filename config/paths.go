package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// homeDir is the user's home directory, from getenv when it knows it.
func homeDir(getenv func(string) (string, bool)) (string, error) {
	name := "HOME"
	switch runtime.GOOS {
	case "windows":
		name = "USERPROFILE"
	case "plan9":
		name = "home"
	}
	if h, ok := getenv(name); ok && h != "" {
		return h, nil
	}
	return os.UserHomeDir()
}

// absEnv returns an environment variable that holds an absolute path.
func absEnv(getenv func(string) (string, bool), name string) (string, bool) {
	v, ok := getenv(name)
	return v, ok && filepath.IsAbs(v)
}

// configDir is os.UserConfigDir, reading the environment through getenv.
func configDir(getenv func(string) (string, bool)) (string, error) {
	return platformDir(getenv, "XDG_CONFIG_HOME", ".config", "AppData", "Library/Application Support")
}

// dataDir is where the wallet keeps its data when no source says:
// $XDG_DATA_HOME/syftwallet or ~/.local/share/syftwallet on Unix,
// ~/Library/Application Support/syftwallet on macOS and
// %LocalAppData%\syftwallet on Windows.
func dataDir(getenv func(string) (string, bool)) (string, error) {
	dir, err := platformDir(getenv, "XDG_DATA_HOME", ".local/share", "LocalAppData", "Library/Application Support")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "syftwallet"), nil
}

// DefaultDataDir is the data directory used when no source sets one.
func DefaultDataDir() (string, error) { return dataDir(os.LookupEnv) }

func platformDir(getenv func(string) (string, bool), xdg, xdgHome, windowsVar, darwinHome string) (string, error) {
	switch runtime.GOOS {
	case "windows":
		if v, ok := getenv(windowsVar); ok && v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%%%s%% is not set", windowsVar)
	case "darwin", "ios":
		home, err := homeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, filepath.FromSlash(darwinHome)), nil
	case "plan9":
		home, err := homeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "lib"), nil
	default:
		if v, ok := absEnv(getenv, xdg); ok {
			return v, nil
		}
		home, err := homeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, filepath.FromSlash(xdgHome)), nil
	}
}
