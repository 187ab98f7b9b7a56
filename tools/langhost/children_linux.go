package main

import "syscall"

// childAttr makes the kernel SIGKILL the child when the thread that started it exits (see children.go).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
