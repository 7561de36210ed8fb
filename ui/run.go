package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"
)

// ProgramOption configures the program Run starts (tests pass input, output and window size).
type ProgramOption = tea.ProgramOption

// Run runs the wallet m in the terminal until the person quits or ctx ends, then shuts m's
// goroutines down. An end because ctx ended (SIGINT, SIGTERM) is not an error.
func Run(ctx context.Context, m *Model, opts ...ProgramOption) error {
	opts = append([]tea.ProgramOption{tea.WithContext(ctx)}, opts...)
	_, err := tea.NewProgram(m, opts...).Run()
	m.Shutdown()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
