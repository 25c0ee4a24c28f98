// Package examples holds no code: its subdirectories are short programs built on sitekit
// (pessac, drift, backup-audit, inventory, simulators). Each imports public packages only,
// so that a user can copy its main.go into their own module; the test of this package
// proves it by building them from a module of their own.
package examples
