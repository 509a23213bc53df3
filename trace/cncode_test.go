package trace

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCheckCNCode runs testdata/cncodes.tsv: the structure check of China's
// drug traceability code.
func TestCheckCNCode(t *testing.T) {
	f, err := os.Open("testdata/cncodes.tsv")
	must(t, err)
	defer func() { _ = f.Close() }() // read only: nothing to lose
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("bad fixture line %q", line)
		}
		n++
		name, code, ok := cols[0], cols[1], cols[2] == "yes"
		t.Run(name, func(t *testing.T) {
			err := CheckCNCode(code)
			if (err == nil) != ok {
				t.Fatalf("CheckCNCode(%q) = %v, want ok %v", code, err, ok)
			}
			if err != nil && !errors.Is(err, ErrNotCNCode) {
				t.Fatalf("error %v is not ErrNotCNCode", err)
			}
		})
	}
	must(t, sc.Err())
	if n < 5 {
		t.Fatalf("only %d fixture lines", n)
	}
}

func TestCNPack(t *testing.T) {
	const code = "81234561234567890123"
	product, serial := CNPackOf(code)
	if product != "CN8123456" || serial != "1234567890123" {
		t.Fatalf("CNPackOf = %s, %s", product, serial)
	}
	if back, ok := CNCodeOf(product, serial); !ok || back != code {
		t.Fatalf("CNCodeOf = %q, %v", back, ok)
	}
	if PackKey(product, serial) != code || PackChild(product, serial).Ref() != code {
		t.Fatalf("PackKey = %s", PackKey(product, serial))
	}
	if PackName(product, serial) != "drug code "+code || PackName("04012345000016", "S1") != "GTIN 04012345000016 serial S1" {
		t.Fatalf("PackName = %s", PackName(product, serial))
	}
	tests := []struct {
		name, product, serial string
		ok                    bool
	}{
		{"China pack", "CN8123456", "1234567890123", true},
		{"GS1 pack", "04012345000016", "S1", true},
		{"China serial too short", "CN8123456", "123456789012", false},
		{"China serial with a letter", "CN8123456", "123456789012X", false},
		{"China product not starting with 8", "CN7123456", "1234567890123", false},
		{"China product too short", "CN812345", "1234567890123", false},
		{"lower-case prefix", "cn8123456", "1234567890123", false},
		{"GTIN with a wrong check digit", "04012345000017", "S1", false},
		{"GS1 serial empty", "04012345000016", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckPack(tt.product, tt.serial); (err == nil) != tt.ok {
				t.Fatalf("CheckPack(%q, %q) = %v", tt.product, tt.serial, err)
			}
			_, isCN := CNCodeOf(tt.product, tt.serial)
			if isCN && !tt.ok {
				t.Fatalf("CNCodeOf accepted %q %q", tt.product, tt.serial)
			}
		})
	}
	for _, p := range []string{"CN8123456", "04012345000016"} {
		if err := CheckProduct(p); err != nil {
			t.Fatalf("CheckProduct(%s) = %v", p, err)
		}
	}
	for _, p := range []string{"CN812345", "CN81234567", "8123456", "CNX123456"} {
		if CheckProduct(p) == nil {
			t.Fatalf("CheckProduct(%s) accepted", p)
		}
	}
}

// TestJudgeUnknownCNCode: the verdict on a China code nobody commissioned
// says that the ledger is the authority on its check digits.
func TestJudgeUnknownCNCode(t *testing.T) {
	product, serial := CNPackOf("81234561234567890123")
	st, alerts := Judge(nil, nil, Scan{GTIN: product, Serial: serial}, time.Now())
	if st != PackUnknown || len(alerts) != 1 || alerts[0].Code != ReasonUnknownPack {
		t.Fatalf("Judge = %s %v", st, alerts)
	}
	for _, want := range []string{"81234561234567890123", "never commissioned on the ledger", "algorithm is not public"} {
		if !strings.Contains(alerts[0].Message, want) {
			t.Fatalf("alert %q does not say %q", alerts[0].Message, want)
		}
	}
}

// FuzzCNCode: whatever CheckCNCode accepts splits into a pack that names
// the same code back, whose child reference parses to the same pack, and
// that CheckPack accepts; what it refuses is never a China pack.
func FuzzCNCode(f *testing.F) {
	for _, s := range []string{"81234561234567890123", "8123456123456789012", "61234561234567890123", "", "8123456 123456789 0123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if err := CheckCNCode(code); err != nil {
			if c, err := ParseChildRef(code); err == nil && !c.IsUnit() && len(code) == CNCodeLen {
				t.Fatalf("ParseChildRef accepted %q as %+v", code, c)
			}
			return
		}
		product, serial := CNPackOf(code)
		if err := CheckPack(product, serial); err != nil {
			t.Fatalf("CheckPack refused %q: %v", code, err)
		}
		if back, ok := CNCodeOf(product, serial); !ok || back != code {
			t.Fatalf("CNCodeOf(%s, %s) = %q, %v", product, serial, back, ok)
		}
		c, err := ParseChildRef(code)
		if err != nil || c.GTIN != product || c.Serial != serial || c.Ref() != code {
			t.Fatalf("ParseChildRef(%q) = %+v, %v", code, c, err)
		}
	})
}

// TestCNStateWords: the ledger's sentences name a China pack by its drug
// code, a GS1 pack as before.
func TestCNStateWords(t *testing.T) {
	product, serial := CNPackOf("81234561234567890123")
	tests := []struct {
		name string
		p    PackFacts
		want string
	}{
		{"China pack", PackFacts{GTIN: product, Serial: serial, Status: PackDispensed}, "The pack with drug code 81234561234567890123 was already dispensed"},
		{"GS1 pack", PackFacts{GTIN: "04012345000016", Serial: "S1", Status: PackDispensed}, "Pack 04012345000016 serial S1 was already dispensed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := StateAlert(tt.p, KindDispense)
			if a.Code != ReasonAlreadyDispensed || a.Message != tt.want {
				t.Fatalf("StateAlert = %+v, want %q", a, tt.want)
			}
		})
	}
}
