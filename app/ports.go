package app

import (
	"context"
	"errors"
	"image"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// The interfaces below are everything the screens need from the rest of
// MedTrace. main wires concrete implementations (parser, store, sync engine,
// ledger client, scanner) into Config; a nil field shows an honest
// "not connected" state on the screens that need it.

// Parser turns the bytes of one scan (optionally led by an AIM symbology
// identifier such as "]d2") into a pack code. gsSubstitute is the character
// a keyboard-mode scanner sends in place of GS (0 for none); the parser
// decides where it may stand for GS. It does no I/O.
type Parser interface {
	Parse(raw []byte, gsSubstitute byte) Code
}

// Verifier answers "may I hand out this pack?". With offlineOnly it answers
// from the local copy of the ledger only (an inspector in the field).
type Verifier interface {
	Verify(ctx context.Context, c Code, offlineOnly bool) (ledger.Verification, error)
}

// HistoryReader lists a pack's events, oldest first.
type HistoryReader interface {
	History(ctx context.Context, gtin, serial string) ([]HistoryEntry, error)
}

// EventQueue queues business events for the ledger. When Enqueue returns
// nil the events are durable (committed to disk) and will be synced.
type EventQueue interface {
	Enqueue(ctx context.Context, events ...ledger.Event) error
}

// ScanLog keeps every scan as read, valid or not.
type ScanLog interface {
	RecordScan(ctx context.Context, s ScanRecord) error
}

// QueueView reads the state of the outbox for the queue screen.
type QueueView interface {
	Counts(ctx context.Context) (QueueCounts, error)
	Events(ctx context.Context, limit int) ([]QueuedEvent, error)
}

// Syncer asks the sync engine to try the queue now (after "retry").
type Syncer interface {
	SyncNow(ctx context.Context) error
}

// SnapshotDownloader fetches the ledger state an inspector needs offline.
type SnapshotDownloader interface {
	Download(ctx context.Context, progress func(done, total int64)) (SnapshotInfo, error)
	Current(ctx context.Context) (SnapshotInfo, error)
}

// Calibrator diagnoses a keyboard-wedge scanner from a scan of the
// calibration test code.
type Calibrator interface {
	// TestCode is the bracketed form of the code to print and scan.
	TestCode() string
	Calibrate(keys []KeyStroke) []CalibrationFinding
}

// ImageDecoder reads every pack code in an image file.
type ImageDecoder interface {
	DecodeFile(ctx context.Context, path string) ([][]byte, error)
}

// SerialListener delivers complete reads from a serial scanner until ctx
// ends. Each read is passed to emit on the listener's goroutine.
type SerialListener interface {
	Listen(ctx context.Context, port string, baud int, emit func(raw []byte)) error
}

// Camera streams a live camera (device, e.g. "/dev/video0", at about
// width x height pixels) until ctx ends or the source runs out, which
// returns nil. onFrame gets every decoded frame with a box around each code
// found in it (in the frame's pixels); onRead gets each code once as it
// comes into view (the same code again only after it was out of view for a
// while), as a wedge scan's bytes led by the AIM symbology identifier. Both
// are called on the camera's goroutines, never Fyne's, and must not block.
// A missing device is reported as an error wrapping ErrNoCamera.
type Camera interface {
	Stream(ctx context.Context, device string, width, height int,
		onFrame func(img image.Image, boxes []image.Rectangle), onRead func(raw []byte)) error
}

// ErrNoCamera is wrapped by Camera.Stream when the device does not exist.
var ErrNoCamera = errors.New("no such camera")

// Code is a scanned code as the parser understood it: what the screens show
// and what events are made of.
type Code struct {
	Raw       []byte    // the bytes as scanned
	Valid     bool      // no problem found
	NotACode  bool      // the input is no pack code at all (rather than a damaged one)
	Scheme    string    // "gs1", "cn-drugcode", "ifa" or "unknown"
	GTIN      string    // 14 digits
	Serial    string    // AI 21 (or the national equivalent)
	Batch     string    // AI 10
	Expiry    time.Time // AI 17 as a date; zero when absent
	ExpiryRaw string    // AI 17 as printed (YYMMDD)
	SSCC      string    // AI 00: a case or pallet
	HRI       string    // human-readable form, e.g. "(01)...(21)..."
	Problems  []Problem // every problem found, empty when Valid
}

// IsPack reports whether c identifies one pack (product and serial).
func (c Code) IsPack() bool { return c.GTIN != "" && c.Serial != "" }

// IsLogistic reports whether c identifies a case or pallet.
func (c Code) IsLogistic() bool { return c.SSCC != "" && c.GTIN == "" }

// Child is c as a child of a case or pallet: the trace core's canonical
// reference is what pack events carry and the ledger checks.
func (c Code) Child() trace.Child {
	if c.IsLogistic() {
		return trace.UnitChild(c.SSCC)
	}
	return trace.PackChild(c.GTIN, c.Serial)
}

// Key returns the identity of the item c names ("sscc:..." or
// "pack:GTIN/serial"), or "" when it names neither.
func (c Code) Key() string {
	switch {
	case c.IsPack():
		return "pack:" + c.GTIN + "/" + c.Serial
	case c.IsLogistic():
		return "sscc:" + c.SSCC
	}
	return ""
}

// Problem is one thing wrong with a scanned code.
type Problem struct {
	AI      string // the application identifier it concerns, or ""
	Code    string // stable code, e.g. "check-digit"
	Message string // a sentence a pharmacist can read
}

// HistoryEntry is one event in a pack's timeline.
type HistoryEntry struct {
	Kind    ledger.Kind
	Time    time.Time
	Place   string // GLN
	TxID    string // empty while only queued locally
	Pending bool   // queued here, not yet on the ledger
}

// ScanRecord is one scan as kept in the local store.
type ScanRecord struct {
	Session  string // the working session (duplicates are flagged within it)
	Raw      []byte
	Source   string // "wedge", "serial:/dev/ttyACM0", "image:/path"
	Role     string
	Location string // GLN
	Time     time.Time
	Valid    bool
	Problems []Problem
}

// QueueCounts summarises the outbox (conflicts count as rejected: neither
// is ever retried).
type QueueCounts struct {
	Pending, InFlight, Recorded, Rejected int
}

// QueuedEvent is one event in the outbox with its sync state.
type QueuedEvent struct {
	Event    ledger.Event
	State    string // "pending", "inflight", "recorded", "rejected" or "conflict"
	TxID     string
	Block    uint64
	Reason   string // rejection reason code
	Message  string // rejection message
	Attempts int
}

// SyncReport is the sync engine's progress, pushed to the UI.
type SyncReport struct {
	Syncing     bool
	Done, Total int // events submitted so far in this round / to submit
	Pending     int
	LastSuccess time.Time
	Err         error // the current error (e.g. ledger unavailable), nil when fine
}

// SnapshotInfo describes the local copy of the ledger.
type SnapshotInfo struct {
	Block uint64
	AsOf  time.Time
	Packs int64
}

// KeyStroke is one key a keyboard-wedge scanner typed into a scan field.
type KeyStroke struct {
	Rune  rune // the character, 0 for the special keys
	GS    bool // Ctrl+] (group separator)
	Enter bool
	Tab   bool
	Time  time.Time
}

// CalibrationFinding is one scanner setup fault and what to change. The
// app words the advice in the user's language from Fault and Params; Advice
// (English) is shown only for a fault the app does not know.
type CalibrationFinding struct {
	Fault  string // stable name: one of calibrationFaults, e.g. "layout-us-on-de"
	Advice string // what to change, in plain English words
	// Params are the values the advice names, by the placeholder names of
	// the fault's translation: Substitute (gs-substituted); Wait (ms,
	// no-terminator); Gap, MaxGap, Suggested (ms, too-slow); Position,
	// Expected, Got (unrecognised: a quoted character, "" past the end).
	Params map[string]string
}
