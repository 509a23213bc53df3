package app

// Workstation is everything the desks ask of the layer below, in one
// value: package station's *Station is one.
type Workstation interface {
	ScanLog
	EventQueue
	QueueView
	Syncer
	Verifier
	HistoryReader
	SnapshotDownloader
	FindingStore
	UnitReader
	ConsortiumReader
	RecallReader
	AlertLog
	RefusalReader
}

// Use wires w into every port of the desks that it serves.
func (c *Config) Use(w Workstation) {
	c.Scans, c.Queue, c.QueueView, c.Syncer = w, w, w, w
	c.Verifier, c.History, c.Snapshot = w, w, w
	c.Findings, c.Units, c.Consortium, c.Recalls, c.Alerts, c.Refusals = w, w, w, w, w, w
}
