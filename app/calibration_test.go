package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/medtrace/medtrace/scanner/wedge"
)

func TestCalibrationFaultsMatchWedge(t *testing.T) {
	var names []string
	for f := wedge.FaultNoInput; f <= wedge.FaultUnrecognised; f++ {
		names = append(names, f.String())
	}
	if got, want := strings.Join(calibrationFaults(), " "), strings.Join(names, " "); got != want {
		t.Fatalf("calibrationFaults() = %s, wedge has %s", got, want)
	}
}

func TestCalibrationAdvice(t *testing.T) {
	tests := []struct {
		name string
		lang string
		f    CalibrationFinding
		want []string // phrases the advice holds
	}{
		{"substitute", LangEnglish, CalibrationFinding{Fault: "gs-substituted", Params: map[string]string{"Substitute": "'~'"}},
			[]string{"sends '~' where", "character to '~'"}},
		{"substitute, chinese", LangChinese, CalibrationFinding{Fault: "gs-substituted", Params: map[string]string{"Substitute": "'~'"}},
			[]string{"发送了 '~'", "设为 '~'"}},
		{"too slow, chinese", LangChinese, CalibrationFinding{Fault: "too-slow", Params: map[string]string{"Gap": "80", "MaxGap": "50", "Suggested": "120"}},
			[]string{"80 毫秒", "50 毫秒", "120 毫秒"}},
		{"no terminator", LangEnglish, CalibrationFinding{Fault: "no-terminator", Params: map[string]string{"Wait": "300"}},
			[]string{"wait 300 ms"}},
		{"unrecognised, scan ended early, chinese", LangChinese, CalibrationFinding{Fault: "unrecognised",
			Params: map[string]string{"Position": "11", "Expected": `"1"`, "Got": ""}}, []string{"第 11 个字符", `应为 "1"`, "实际为 扫描结尾"}},
		{"caps lock, chinese", LangChinese, CalibrationFinding{Fault: "caps-lock", Advice: "Caps Lock is on"}, []string{"大写锁定已打开"}},
		{"unknown fault keeps the scanner's words", LangChinese, CalibrationFinding{Fault: "new-fault", Advice: "Something new."},
			[]string{"Something new."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			inLanguage(t, tc.lang)
			got := calibrationAdvice(tc.f)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("advice %q lacks %q", got, w)
				}
			}
			if strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
				t.Errorf("advice %q has an unfilled placeholder", got)
			}
		})
	}
}
