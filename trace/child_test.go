package trace

import "testing"

func TestParseChildRef(t *testing.T) {
	tests := []struct {
		name, ref string
		want      Child
		ok        bool
	}{
		{"SSCC", "340200000000000012", UnitChild("340200000000000012"), true},
		{"pack", "04012345000016/S1", PackChild("04012345000016", "S1"), true},
		{"serial with a slash", "04012345000016/S/8", PackChild("04012345000016", "S/8"), true},
		{"SSCC with a wrong check digit", "340200000000000013", Child{}, false},
		{"GTIN with a wrong check digit", "04012345000017/S1", Child{}, false},
		{"bracketed HRI is not canonical", "(01)04012345000016(21)S1", Child{}, false},
		{"serial too long", "04012345000016/123456789012345678901", Child{}, false},
		{"empty serial", "04012345000016/", Child{}, false},
		{"China drug code", "81234561234567890123", PackChild("CN8123456", "1234567890123"), true},
		{"China drug code not starting with 8", "71234561234567890123", Child{}, false},
		{"19 digits", "8123456123456789012", Child{}, false},
		{"China product as GTIN/serial is not canonical", "CN8123456/1234567890123", Child{}, false},
		{"empty", "", Child{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseChildRef(tt.ref)
			if (err == nil) != tt.ok || c != tt.want {
				t.Fatalf("ParseChildRef(%q) = %+v, %v", tt.ref, c, err)
			}
			if tt.ok && c.Ref() != tt.ref {
				t.Fatalf("Ref() = %q, want %q", c.Ref(), tt.ref)
			}
		})
	}
}

func FuzzParseChildRef(f *testing.F) {
	for _, s := range []string{"340200000000000012", "04012345000016/S1", "04012345000016/", "(00)340200000000000012", "x/y", "81234561234567890123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		c, err := ParseChildRef(ref)
		if err != nil {
			return
		}
		if c.Ref() != ref {
			t.Fatalf("accepted %q but its canonical form is %q", ref, c.Ref())
		}
		if err := c.Check(); err != nil {
			t.Fatalf("accepted %q but Check says %v", ref, err)
		}
	})
}
