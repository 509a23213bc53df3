package app

import (
	"strings"
	"testing"
)

// TestQueueSaysWhoMustSign: events queued for another identity wait, and
// the Queue screen says for whom, in both languages, never "Up to date".
func TestQueueSaysWhoMustSign(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		waiting    map[string]int
		want       []string
	}{
		{"one, english", LangEnglish, map[string]int{"distributor": 1},
			[]string{"1 event waits for the identity “distributor” to sign it"}},
		{"two identities, english", LangEnglish, map[string]int{"manufacturer": 3, "distributor": 1},
			[]string{"1 event waits for the identity “distributor”", "3 events wait for the identity “manufacturer” to sign them"}},
		{"chinese", LangChinese, map[string]int{"distributor": 2},
			[]string{"2 个事件等待身份“distributor”签名"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, tc.lang)
			fx.u.selectTab(1)
			fx.settle()
			fx.u.reportSync(SyncReport{LastSuccess: testNow, Pending: 4, Waiting: tc.waiting})
			fx.settle()
			got := fx.u.queue.state.Text
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("state %q lacks %q", got, w)
				}
			}
			if strings.Contains(got, "Up to date") {
				t.Errorf("state %q says up to date with events waiting", got)
			}
		})
	}
}
