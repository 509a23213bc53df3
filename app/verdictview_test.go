package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestBadgeText(t *testing.T) {
	asOf := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		lang string
		vd   Verdict
		want string
	}{
		{"offline with block", LangEnglish, Verdict{Offline: true, AsOf: asOf, Block: 1200}, "OFFLINE — as of 26 Nov 2026 18:00 (block 1,200)"},
		{"offline, block unknown", LangEnglish, Verdict{Offline: true, AsOf: asOf}, "OFFLINE — as of 26 Nov 2026 18:00"},
		{"online names its time, not a block", LangEnglish, Verdict{AsOf: asOf}, "Checked on the ledger, as of 26 Nov 2026 18:00"},
		{"online with a block still shows none", LangEnglish, Verdict{AsOf: asOf, Block: 7}, "Checked on the ledger, as of 26 Nov 2026 18:00"},
		{"online without time", LangEnglish, Verdict{}, "Checked on the ledger"},
		{"offline chinese", LangChinese, Verdict{Offline: true, AsOf: asOf, Block: 1200}, "离线 — 截至 2026年11月26日 18:00（区块 1,200）"},
		{"offline chinese, block unknown", LangChinese, Verdict{Offline: true, AsOf: asOf}, "离线 — 截至 2026年11月26日 18:00"},
		{"online chinese", LangChinese, Verdict{AsOf: asOf}, "已在账本上核验，截至 2026年11月26日 18:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			inLanguage(t, tc.lang)
			got := badgeText(newFormatter(tc.lang, time.UTC), tc.vd)
			if got != tc.want {
				t.Fatalf("badge %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "block 0") || strings.Contains(got, "区块 0") {
				t.Fatalf("badge %q shows block 0", got)
			}
		})
	}
}

// TestLongVerdictTitleFits: a long reason is drawn smaller, never wider
// than maxTitleWidth, in both languages; a short one keeps its full size.
func TestLongVerdictTitleFits(t *testing.T) {
	for _, lang := range []string{LangEnglish, LangChinese} {
		t.Run(lang, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, lang)
			v := fx.u.pharm.verdict
			v.show(Verdict{Level: LevelBad, Reason: ReasonUnitProblem})
			if w := fyne.MeasureText(v.title.Text, v.title.TextSize, v.title.TextStyle).Width; w > maxTitleWidth {
				t.Errorf("title %q drawn %v wide at %v", v.title.Text, w, v.title.TextSize)
			}
			v.show(Verdict{Level: LevelOK, Reason: ReasonActive})
			if v.title.TextSize != v.size {
				t.Errorf("short title %q drawn at %v, want %v", v.title.Text, v.title.TextSize, v.size)
			}
		})
	}
}
