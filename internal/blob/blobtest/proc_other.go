//go:build !linux

package blobtest

import "os/exec"

// startTied starts cmd; off Linux the server outlives a test binary that
// exits without Run.
func startTied(cmd *exec.Cmd) error { return cmd.Start() }

func processAlive(int) bool { return true }
