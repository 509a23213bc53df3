package trace

import (
	"encoding/json"
	"time"
)

// epcisContext is the JSON-LD context of every stored event: the EPCIS 2.0
// context and MedTrace's own namespace for its extensions.
const epcisContext = (`["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"medtrace":"urn:medtrace:"}]`)

// BizStepUndoDispensing is MedTrace's extension business step for undoing a
// dispense (CBV has none).
const BizStepUndoDispensing = "urn:medtrace:bizstep:undo_dispensing"

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
// standard's order (the @context is spliced in by toEPCIS).
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

// toEPCIS renders a valid, accepted event as EPCIS 2.0 JSON.
func toEPCIS(c *Config, ev *Event, recorded time.Time) ([]byte, error) {
	e := epcisEvent{
		Type:                "ObjectEvent",
		EventID:             eventURI(ev.ID),
		EventTime:           ev.Time.UTC().Format(epcisTime),
		EventTimeZoneOffset: ev.Time.Format("-07:00"),
		RecordTime:          recorded.UTC().Format(epcisTime),
		Action:              "OBSERVE",
		Note:                ev.Note,
	}
	if ev.Location != "" {
		loc := c.sgln(ev.Location)
		e.ReadPoint = &epcisID{loc}
		// bizLocation is where the objects are afterwards: not for events
		// after which they have left (shipped, dispensed, destroyed, ...).
		switch ev.Kind {
		case KindCommission, KindPack, KindUnpack, KindReceive, KindUndoDispense, KindInspect:
			e.BizLocation = &epcisID{loc}
		}
	}
	subject := func() []string {
		if ev.SSCC != "" {
			return []string{c.sscc(ev.SSCC)}
		}
		return []string{c.sgtin(ev.GTIN, ev.Serial)}
	}
	switch ev.Kind {
	case KindCommission:
		e.EPCList, e.Action, e.BizStep, e.Disposition = subject(), "ADD", "commissioning", "active"
		e.ILMD = map[string]string{"cbvmda:lotNumber": ev.Batch, "cbvmda:itemExpirationDate": ev.Expiry}
	case KindPack, KindUnpack:
		e.Type, e.ParentID = "AggregationEvent", c.sscc(ev.SSCC)
		for _, ch := range ev.Children {
			s, g, ser, _ := splitChild(ch)
			if s != "" {
				e.ChildEPCs = append(e.ChildEPCs, c.sscc(s))
			} else {
				e.ChildEPCs = append(e.ChildEPCs, c.sgtin(g, ser))
			}
		}
		if ev.Kind == KindPack {
			e.Action, e.BizStep, e.Disposition = "ADD", "packing", "in_progress"
		} else {
			e.Action, e.BizStep, e.Disposition = "DELETE", "unpacking", "in_progress"
		}
	case KindShip:
		e.EPCList, e.BizStep, e.Disposition = subject(), "shipping", "in_transit"
		if ev.Counterparty != "" {
			e.DestinationList = []epcisDestination{{"location", c.sgln(ev.Counterparty)}}
		}
	case KindReceive:
		e.EPCList, e.BizStep, e.Disposition = subject(), "receiving", "in_progress"
		if ev.Counterparty != "" {
			e.SourceList = []epcisSource{{"location", c.sgln(ev.Counterparty)}}
		}
	case KindDispense:
		e.EPCList, e.BizStep, e.Disposition = subject(), "dispensing", "dispensed"
	case KindUndoDispense:
		e.EPCList, e.BizStep, e.Disposition = subject(), BizStepUndoDispensing, "active"
	case KindDestroy:
		e.EPCList, e.BizStep, e.Disposition = subject(), "destroying", "destroyed"
	case KindStolen:
		e.EPCList, e.Disposition = subject(), "stolen"
	case KindRecall:
		e.QuantityList = []epcisQuantity{{c.lgtin(ev.GTIN, ev.Batch)}}
		e.Disposition = "recalled"
	case KindSample:
		e.EPCList, e.BizStep, e.Disposition = subject(), "sampling", "non_sellable_other"
	case KindExport:
		e.EPCList, e.BizStep, e.Disposition = subject(), "decommissioning", "inactive"
	case KindInspect:
		e.EPCList, e.BizStep, e.Disposition = subject(), "inspecting", "conformant"
		if ev.Conformant != nil && !*ev.Conformant {
			e.Disposition = "non_conformant"
		}
	}
	b, err := json.Marshal(&e)
	if err != nil {
		return nil, err
	}
	// Splice the constant context in front: encoding/json would re-compact
	// a RawMessage field on every event.
	out := make([]byte, 0, len(b)+len(epcisContext)+14)
	out = append(out, `{"@context":`...)
	out = append(out, epcisContext...)
	out = append(out, ',')
	return append(out, b[1:]...), nil
}
