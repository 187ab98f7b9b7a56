//go:build !linux

package main

import "syscall"

// childAttr: only Linux has Pdeathsig; elsewhere watchParent alone stops the children (see children.go).
func childAttr() *syscall.SysProcAttr { return nil }
