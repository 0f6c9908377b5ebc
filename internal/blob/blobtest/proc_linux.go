package blobtest

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startTied starts cmd so that it is killed when the test binary exits.
// Pdeathsig fires when the thread that started the child exits, so the child
// is started from a locked thread that never does.
func startTied(cmd *exec.Cmd) error {
	started := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives until exit
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		err := cmd.Start()
		started <- err
		if err == nil {
			select {}
		}
	}()
	return <-started
}

func processAlive(pid int) bool { return syscall.Kill(pid, 0) != syscall.ESRCH }
