// Package trace is MedTrace's domain core: pack identifiers and child
// references, business event kinds, the event and its content ID, the pack
// state machine, the verdict rules, the expiry rule, the EPCIS 2.0 encoder
// and the wire types. It is cgo-free and has no dependencies, so the
// chaincode, the offline check and the desktop app all run the same code:
// each rule and each type lives here once.
package trace
