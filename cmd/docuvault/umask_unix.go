//go:build unix

package main

import "syscall"

// privateFiles makes every file and folder this process creates private to
// its user (files 0600, folders 0700) whatever the umask it was started
// with: the database, the document files, the secrets, the PDF engine's
// cache and exports all hold other people's data.
func privateFiles() { syscall.Umask(0o077) }
