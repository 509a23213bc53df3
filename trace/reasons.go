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
	ReasonNotRecalled       = "not-recalled" // a withdrawal of a recall the batch does not have
	ReasonConflict          = "conflict"
	ReasonNonconformant     = "nonconformant"
	ReasonTooLarge          = "too-large"
	// Custody (see CustodyRefusal).
	ReasonNotHolder        = "not-holder"        // the submitter does not hold the pack or unit
	ReasonOtherSite        = "other-site"        // the submitter holds it, but at another of its locations
	ReasonNotShipped       = "not-shipped"       // a receive of something nobody shipped: an unannounced delivery
	ReasonNotConsignee     = "not-consignee"     // a receive by someone other than the consignee the ship named, or at another place
	ReasonUnknownConsignee = "unknown-consignee" // a ship to a GLN no member of the ledger has
	// Ledger time (see EventTimeRefusal).
	ReasonTooOld   = "too-old"   // the event is dated further before its transaction than the ledger allows
	ReasonInFuture = "in-future" // the event is dated after its transaction
)
