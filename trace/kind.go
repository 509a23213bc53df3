package trace

// Kind is a business event kind (an EPCIS 2.0 business step, see EPCIS).
type Kind string

// The business event kinds MedTrace records.
const (
	KindCommission     Kind = "commission"      // a manufacturer declares GTIN, serial, batch, expiry
	KindPack           Kind = "pack"            // children packed into an SSCC case or pallet
	KindUnpack         Kind = "unpack"          // an SSCC opened
	KindShip           Kind = "ship"            // leaves a location
	KindReceive        Kind = "receive"         // arrives at a location
	KindDispense       Kind = "dispense"        // handed to a patient
	KindUndoDispense   Kind = "undo-dispense"   // a mistaken dispense undone (same location, within UndoWindow)
	KindDestroy        Kind = "destroy"         // destroyed
	KindStolen         Kind = "stolen"          // reported stolen
	KindRecall         Kind = "recall"          // a whole batch (GTIN + batch)
	KindWithdrawRecall Kind = "withdraw-recall" // a batch's recall withdrawn, with the reason (the note)
	KindSample         Kind = "sample"          // taken as a sample
	KindExport         Kind = "export"          // left the market
	KindInspect        Kind = "inspect"         // a regulator's inspection, conformant or not
)

// Kinds lists every kind, in the order above.
func Kinds() []Kind {
	return []Kind{KindCommission, KindPack, KindUnpack, KindShip, KindReceive, KindDispense,
		KindUndoDispense, KindDestroy, KindStolen, KindRecall, KindWithdrawRecall, KindSample, KindExport, KindInspect}
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}
