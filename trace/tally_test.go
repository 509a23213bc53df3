package trace

import "testing"

func TestContentsTallyAndSound(t *testing.T) {
	pack := func(serial string, st PackStatus) PackRef {
		return PackRef{GTIN: "09501101530003", Serial: serial, Status: st}
	}
	pallet := Contents{SSCC: "340123450000000024", Status: PackActive,
		Packs: []PackRef{pack("C", PackActive)},
		Units: []Contents{{SSCC: "340123450000000017", Status: PackActive, Packs: []PackRef{pack("A", PackActive), pack("B", PackActive)}}}}
	withDispensed := pallet
	withDispensed.Units = []Contents{{SSCC: "340123450000000017", Status: PackActive, Packs: []PackRef{pack("A", PackDispensed), pack("B", PackActive)}}}
	inTransit := pallet
	inTransit.Status = PackInTransit
	for _, tc := range []struct {
		name                 string
		c                    Contents
		packs, active, units int
		sound                bool
	}{
		{"pallet of a case and a pack", pallet, 3, 3, 1, true},
		{"a pack inside dispensed", withDispensed, 3, 2, 1, false},
		{"in transit", inTransit, 3, 3, 1, false},
		{"empty", Contents{SSCC: "340123450000000031", Status: PackActive}, 0, 0, 0, false},
		{"never packed", Contents{SSCC: "340123450000000031", Status: PackUnknown}, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.Tally()
			if got.Packs != tc.packs || got.Active != tc.active || got.Units != tc.units || len(got.NotActive) != tc.packs-tc.active {
				t.Errorf("Tally = %+v, want %d packs, %d active, %d units", got, tc.packs, tc.active, tc.units)
			}
			if s := tc.c.Sound(); s != tc.sound {
				t.Errorf("Sound = %v, want %v", s, tc.sound)
			}
		})
	}
}

func TestMayHandOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Verification
		want bool
	}{
		{"active", Verification{Status: PackActive}, true},
		{"active with an alert", Verification{Status: PackActive, Alerts: []Alert{{Code: ReasonRecalledBatch}}}, false},
		{"dispensed", Verification{Status: PackDispensed}, false},
		{"unknown", Verification{Status: PackUnknown}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.MayHandOut(); got != tc.want {
				t.Errorf("MayHandOut = %v, want %v", got, tc.want)
			}
		})
	}
}
