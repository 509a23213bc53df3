package app

import (
	"context"
	"image"

	"github.com/medtrace/medtrace/scanner/intake"
	"github.com/medtrace/medtrace/station"
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
	Verify(ctx context.Context, c Code, offlineOnly bool) (trace.Verification, error)
}

// HistoryReader lists a pack's events, oldest first.
type HistoryReader interface {
	History(ctx context.Context, gtin, serial string) ([]HistoryEntry, error)
}

// EventQueue queues business events for the ledger. When Enqueue returns
// nil the events are durable (committed to disk) and will be synced.
type EventQueue interface {
	Enqueue(ctx context.Context, events ...trace.Event) error
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

// The types the screens share with the layers below live there once; these
// are their names here.
type (
	// Code is a scanned code as the parser understood it.
	Code = station.Code
	// Problem is one thing wrong with a scanned code.
	Problem = station.Problem
	// ScanRecord is one scan as the store keeps it.
	ScanRecord = station.ScanRecord
	// HistoryEntry is one event in a pack's timeline.
	HistoryEntry = station.HistoryEntry
	// QueueCounts summarises the outbox.
	QueueCounts = station.QueueCounts
	// QueuedEvent is one event in the outbox with its sync state.
	QueuedEvent = station.QueuedEvent
	// SyncReport is the sync engine's progress, pushed to the UI.
	SyncReport = station.SyncReport
	// SnapshotInfo describes the local copy of the ledger.
	SnapshotInfo = station.SnapshotInfo
	// KeyStroke is one key a keyboard-wedge scanner typed into a scan field.
	KeyStroke = intake.KeyStroke
	// CalibrationFinding is one scanner setup fault and what to change.
	CalibrationFinding = intake.CalibrationFinding
)

// ErrNoCamera is wrapped by Camera.Stream when the device does not exist.
var ErrNoCamera = intake.ErrNoCamera
