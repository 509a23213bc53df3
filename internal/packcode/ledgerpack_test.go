package packcode

import "testing"

func TestLedgerPack(t *testing.T) {
	tests := []struct {
		name, in        string
		product, serial string
		ok              bool
	}{
		{"China drug code", "81234561234567890123", "CN8123456", "1234567890123", true},
		{"China drug code with spaces", "8123456 123456789 0123", "CN8123456", "1234567890123", true},
		{"China drug code from a scanner", "]d181234561234567890123", "CN8123456", "1234567890123", true},
		{"GS1 pack", "(01)09506000134352(21)ABC(10)B1", "09506000134352", "ABC", true},
		{"GS1 batch only", "(01)09506000134352(10)B1", "", "", false},
		{"SSCC", "(00)340123450000000017", "", "", false},
		{"invalid", "(01)09506000134353(21)X", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s, ok := Parse([]byte(tt.in), Options{}).LedgerPack()
			if p != tt.product || s != tt.serial || ok != tt.ok {
				t.Fatalf("LedgerPack(%q) = %q, %q, %v; want %q, %q, %v", tt.in, p, s, ok, tt.product, tt.serial, tt.ok)
			}
		})
	}
}
