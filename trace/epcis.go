package trace

import (
	"encoding/json"
	"strings"
	"time"
)

// EPCISContext is the JSON-LD context of every MedTrace EPCIS document and
// event: the EPCIS 2.0 context and MedTrace's namespace for its extensions.
const EPCISContext = `["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"medtrace":"urn:medtrace:"}]`

// BizStepUndoDispensing is MedTrace's extension business step for undoing a
// dispense (CBV has none).
const BizStepUndoDispensing = "urn:medtrace:bizstep:undo_dispensing"

// BizStepRecallWithdrawal is MedTrace's extension business step for
// withdrawing a batch's recall (CBV has none): the batch's packs are
// active again.
const BizStepRecallWithdrawal = "urn:medtrace:bizstep:recall_withdrawal"

// DigitalLinkHost is the resolver host of the GS1 Digital Link URIs that
// name packs, cases and places in EPCIS.
const DigitalLinkHost = "https://id.gs1.org"

// SGTINURI names one pack (GTIN + serial) as a GS1 Digital Link URI.
func SGTINURI(gtin, serial string) string {
	return DigitalLinkHost + "/01/" + gtin + "/21/" + dlEscape(serial)
}

// LGTINURI names a batch (GTIN + lot) as a GS1 Digital Link URI.
func LGTINURI(gtin, batch string) string {
	return DigitalLinkHost + "/01/" + gtin + "/10/" + dlEscape(batch)
}

// CNCodeURNPrefix starts the URN that names a pack by its China drug
// traceability code in EPCIS: GS1 has no URI for it, so MedTrace's
// namespace (the "medtrace" prefix of EPCISContext) names it, as EPCIS 2.0
// allows any URI as an EPC: urn:medtrace:cndc:<20 digits>.
const CNCodeURNPrefix = "urn:medtrace:cndc:"

// EPCISLinkKey is the ILMD key (MedTrace's extension) under which a
// commissioning names the pack's other code (Event.Link) as a URI: its
// China drug code on a GS1 pack, its GS1 Digital Link on a China pack.
const EPCISLinkKey = "medtrace:link"

// CNCodeURI names a pack by its China drug traceability code.
func CNCodeURI(code string) string { return CNCodeURNPrefix + code }

// CNBatchURI names a batch of a China product (its 7-digit identifier) as
// an EPC class: urn:medtrace:cndc:class:<7 digits>:lot:<batch, percent-encoded>.
func CNBatchURI(productID, batch string) string {
	return CNCodeURNPrefix + "class:" + productID + ":lot:" + dlEscape(batch)
}

// PackURI names a pack in EPCIS: a GS1 Digital Link URI, or CNCodeURI for a
// China pack (see CNPackOf).
func PackURI(product, serial string) string {
	if code, ok := CNCodeOf(product, serial); ok {
		return CNCodeURI(code)
	}
	return SGTINURI(product, serial)
}

// BatchURI names a batch of a product in EPCIS: LGTINURI, or CNBatchURI for
// a China product.
func BatchURI(product, batch string) string {
	if IsCNProduct(product) {
		return CNBatchURI(product[len(CNProductPrefix):], batch)
	}
	return LGTINURI(product, batch)
}

// SSCCURI names a logistic unit as a GS1 Digital Link URI.
func SSCCURI(sscc string) string { return DigitalLinkHost + "/00/" + sscc }

// GLNURI names a place as a GS1 Digital Link URI.
func GLNURI(gln string) string { return DigitalLinkHost + "/414/" + gln }

// ChildURI names a child reference (Child.Ref) as a GS1 Digital Link URI
// (a China pack: CNCodeURI).
func ChildURI(c Child) string {
	if c.IsUnit() {
		return SSCCURI(c.SSCC)
	}
	return PackURI(c.GTIN, c.Serial)
}

// dlEscape percent-encodes every character of a GS1 value that is not an
// RFC 3986 unreserved character, as GS1 Digital Link requires.
func dlEscape(s string) string {
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

type epcisID struct {
	ID string `json:"id"`
}

type epcisQuantity struct {
	EPCClass string `json:"epcClass"`
}

type epcisSource struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

type epcisDestination struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// epcisEvent is an EPCIS 2.0 ObjectEvent or AggregationEvent, fields in the
// standard's order (the @context is spliced in by EPCISEvent).
type epcisEvent struct {
	Type                string             `json:"type"`
	EventID             string             `json:"eventID"`
	EventTime           string             `json:"eventTime"`
	EventTimeZoneOffset string             `json:"eventTimeZoneOffset"`
	RecordTime          string             `json:"recordTime,omitempty"`
	ParentID            string             `json:"parentID,omitempty"`
	EPCList             []string           `json:"epcList,omitempty"`
	ChildEPCs           []string           `json:"childEPCs,omitempty"`
	QuantityList        []epcisQuantity    `json:"quantityList,omitempty"`
	Action              string             `json:"action"`
	BizStep             string             `json:"bizStep,omitempty"`
	Disposition         string             `json:"disposition,omitempty"`
	ReadPoint           *epcisID           `json:"readPoint,omitempty"`
	BizLocation         *epcisID           `json:"bizLocation,omitempty"`
	SourceList          []epcisSource      `json:"sourceList,omitempty"`
	DestinationList     []epcisDestination `json:"destinationList,omitempty"`
	ILMD                map[string]string  `json:"ilmd,omitempty"`
	Note                string             `json:"medtrace:note,omitempty"`
}

const epcisTime = "2006-01-02T15:04:05.000Z07:00"

// EPCISStep is the EPCIS action, CBV business step and disposition an
// event of kind k is recorded with (conformant says how an inspection
// ended). An empty business step means CBV has none for it.
func EPCISStep(k Kind, conformant bool) (action, bizStep, disposition string) {
	switch k {
	case KindCommission:
		return "ADD", "commissioning", "active"
	case KindPack:
		return "ADD", "packing", "in_progress"
	case KindUnpack:
		return "DELETE", "unpacking", "in_progress"
	case KindShip:
		return "OBSERVE", "shipping", "in_transit"
	case KindReceive:
		return "OBSERVE", "receiving", "in_progress"
	case KindDispense:
		return "OBSERVE", "dispensing", "dispensed"
	case KindUndoDispense:
		return "OBSERVE", BizStepUndoDispensing, "active"
	case KindDestroy:
		return "OBSERVE", "destroying", "destroyed"
	case KindStolen:
		return "OBSERVE", "", "stolen"
	case KindRecall:
		return "OBSERVE", "", "recalled"
	case KindWithdrawRecall:
		return "OBSERVE", BizStepRecallWithdrawal, "active"
	case KindSample:
		return "OBSERVE", "sampling", "non_sellable_other"
	case KindExport:
		return "OBSERVE", "decommissioning", "inactive"
	case KindInspect:
		if !conformant {
			return "OBSERVE", "inspecting", "non_conformant"
		}
		return "OBSERVE", "inspecting", "conformant"
	}
	return "OBSERVE", "", ""
}

// epcisOf maps an event to its EPCIS 2.0 form; recorded is when the
// ledger recorded it (zero: not yet).
func epcisOf(ev *Event) epcisEvent {
	e := epcisEvent{
		Type:                "ObjectEvent",
		EventID:             EventURI(ev.ID),
		EventTime:           ev.Time.UTC().Format(epcisTime),
		EventTimeZoneOffset: ev.Time.Format("-07:00"),
		Note:                ev.Note,
	}
	e.Action, e.BizStep, e.Disposition = EPCISStep(ev.Kind, ev.Conformant == nil || *ev.Conformant)
	if ev.Location != "" {
		loc := GLNURI(ev.Location)
		e.ReadPoint = &epcisID{loc}
		// bizLocation is where the objects are afterwards: not for events
		// after which they have left (shipped, dispensed, destroyed, ...).
		switch ev.Kind {
		case KindCommission, KindPack, KindUnpack, KindReceive, KindUndoDispense, KindInspect:
			e.BizLocation = &epcisID{loc}
		}
	}
	subject := []string{PackURI(ev.GTIN, ev.Serial)}
	if ev.SSCC != "" {
		subject = []string{SSCCURI(ev.SSCC)}
	}
	switch ev.Kind {
	case KindCommission:
		e.EPCList = subject
		e.ILMD = map[string]string{"cbvmda:lotNumber": ev.Batch, "cbvmda:itemExpirationDate": ev.Expiry}
		if c, err := ParseChildRef(ev.Link); ev.Link != "" && err == nil {
			e.ILMD[EPCISLinkKey] = ChildURI(c) // the same pack's other code
		}
	case KindPack, KindUnpack:
		e.Type, e.ParentID = "AggregationEvent", SSCCURI(ev.SSCC)
		for _, ref := range ev.Children {
			if c, err := ParseChildRef(ref); err == nil {
				e.ChildEPCs = append(e.ChildEPCs, ChildURI(c))
			}
		}
	case KindShip:
		e.EPCList = subject
		if ev.Counterparty != "" {
			e.DestinationList = []epcisDestination{{"location", GLNURI(ev.Counterparty)}}
		}
	case KindReceive:
		e.EPCList = subject
		if ev.Counterparty != "" {
			e.SourceList = []epcisSource{{"location", GLNURI(ev.Counterparty)}}
		}
	case KindRecall, KindWithdrawRecall:
		e.QuantityList = []epcisQuantity{{BatchURI(ev.GTIN, ev.Batch)}}
	default:
		e.EPCList = subject
	}
	return e
}

// EPCISEvent renders ev as one EPCIS 2.0 event in JSON-LD, with its own
// @context; recorded is when the ledger recorded it (zero: leave it out).
func EPCISEvent(ev Event, recorded time.Time) ([]byte, error) {
	e := epcisOf(&ev)
	if !recorded.IsZero() {
		e.RecordTime = recorded.UTC().Format(epcisTime)
	}
	b, err := json.Marshal(&e)
	if err != nil {
		return nil, err
	}
	// Splice the constant context in front: encoding/json would re-compact
	// a RawMessage field on every event.
	out := make([]byte, 0, len(b)+len(EPCISContext)+14)
	out = append(out, `{"@context":`...)
	out = append(out, EPCISContext...)
	out = append(out, ',')
	return append(out, b[1:]...), nil
}

// EPCISDocument renders events as one EPCIS 2.0 document (JSON-LD), for
// trading partners and regulators, created at created.
func EPCISDocument(events []Event, created time.Time) ([]byte, error) {
	list := make([]epcisEvent, 0, len(events))
	for i := range events {
		list = append(list, epcisOf(&events[i]))
	}
	doc := struct {
		Context       json.RawMessage `json:"@context"`
		Type          string          `json:"type"`
		SchemaVersion string          `json:"schemaVersion"`
		CreationDate  string          `json:"creationDate"`
		Body          struct {
			EventList []epcisEvent `json:"eventList"`
		} `json:"epcisBody"`
	}{Context: json.RawMessage(EPCISContext), Type: "EPCISDocument", SchemaVersion: "2.0", CreationDate: created.UTC().Format(epcisTime)}
	doc.Body.EventList = list
	return json.MarshalIndent(&doc, "", "  ")
}
