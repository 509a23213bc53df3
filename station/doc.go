// Package station is what one MedTrace workstation does, below its screens
// and its commands: it turns a scan into a code, keeps the scan and the
// business events it produced in the local store, verifies a pack (the
// ledger first, the local copy when the ledger does not answer), lists a
// pack's history, shows the outbox, downloads the inspector's copy of the
// ledger, and holds the ledger connection the sync engine runs on.
//
// The desktop app (package app) and the headless commands (package cli)
// are thin adapters over it; main only wires. It imports no UI.
package station
