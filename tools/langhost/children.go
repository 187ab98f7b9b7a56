package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// Our node processes must not outlive the engine. Nothing tells us when the engine dies: when `pulumi` is
// SIGKILLed, its plugins are left running, and a program or policy pack left running would go on calling
// vendor APIs for an update whose state nobody records. So:
//
//   - watchParent polls our parent pid: when the engine dies we are re-parented (to init or a subreaper),
//     and then kill every node child and exit. A poll, not prctl(PR_SET_PDEATHSIG) on ourselves, because
//     that signal fires when the engine's *thread* that started us exits, and a Go engine may end threads
//     while it lives on.
//   - children.start gives each child Pdeathsig (Linux; childAttr), so that if we are killed ourselves,
//     with no chance to run any code, the kernel kills the child. That signal fires when our thread that
//     started the child exits, so that thread stays locked to the goroutine until the child is reaped.
//
// The children stay in our process group (the engine gives each plugin its own and kills the group when it
// closes the plugin), as they were before; we kill them one by one.

// parentPollInterval is how often watchParent looks at our parent pid.
const parentPollInterval = 250 * time.Millisecond

// children are the node processes this host has started and not yet reaped.
type children struct {
	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
	closing bool
}

func newChildren() *children { return &children{running: map[*exec.Cmd]struct{}{}} }

// start starts cmd as a child that dies with us. The caller must call the returned release, from the same
// goroutine, after cmd.Wait has returned (release unlocks the goroutine from its thread).
func (c *children) start(cmd *exec.Cmd) (release func(), err error) {
	runtime.LockOSThread()
	cmd.SysProcAttr = childAttr()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("the engine has exited")
	}
	if err := cmd.Start(); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	c.running[cmd] = struct{}{}
	return func() {
		c.mu.Lock()
		delete(c.running, cmd)
		c.mu.Unlock()
		runtime.UnlockOSThread()
	}, nil
}

// run starts cmd as start does and waits for it.
func (c *children) run(cmd *exec.Cmd) error {
	release, err := c.start(cmd)
	if err != nil {
		return err
	}
	defer release()
	return cmd.Wait()
}

// killAll SIGKILLs every running child; no child starts after it.
func (c *children) killAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing = true
	for cmd := range c.running {
		_ = cmd.Process.Kill() // it may have exited meanwhile
	}
}

// watchParent kills the children and exits once our parent (the engine) is gone. It does not return.
func watchParent(c *children) {
	engine := os.Getppid()
	for range time.Tick(parentPollInterval) {
		if os.Getppid() != engine {
			fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: the engine has exited; stopping the program")
			c.killAll()
			os.Exit(1)
		}
	}
}
