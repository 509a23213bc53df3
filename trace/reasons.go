package trace

// Stable reason codes: why the ledger refused an event, and the alerts a
// verification carries. UIs translate them; tests and retry loops compare
// them; their sentences are for people.
const (
	ReasonBadEvent          = "bad-event"
	ReasonNotAuthorized     = "not-authorized"
	ReasonUnknownPack       = "unknown-pack"
	ReasonUnknownSSCC       = "unknown-sscc"
	ReasonAlreadyCommission = "already-commissioned"
	ReasonAlreadyDispensed  = "already-dispensed"
	ReasonDestroyed         = "destroyed"
	ReasonStolen            = "stolen"
	ReasonSample            = "sample"
	ReasonExported          = "exported"
	ReasonInTransit         = "in-transit"
	ReasonNotDispensed      = "not-dispensed"
	ReasonBatchMismatch     = "batch-mismatch"
	ReasonExpiryMismatch    = "expiry-mismatch"
	ReasonRecalledBatch     = "recalled-batch"
	ReasonExpired           = "expired"
	ReasonUndoTooLate       = "undo-too-late"
	ReasonUndoOtherLocation = "undo-other-location"
	ReasonAlreadyAggregated = "already-aggregated"
	ReasonNotInContainer    = "not-in-container"
	ReasonAlreadyRecalled   = "already-recalled"
	ReasonConflict          = "conflict"
	ReasonNonconformant     = "nonconformant"
	ReasonTooLarge          = "too-large"
)
