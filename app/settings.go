package app

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/station"
)

// Roles a user can choose (the desks of package station).
const (
	RolePharmacist   = station.RolePharmacist
	RoleWarehouse    = station.RoleWarehouse
	RoleInspector    = station.RoleInspector
	RoleManufacturer = station.RoleManufacturer // commission batches, print their labels, ship, recall, report packs stolen or destroyed
)

// Settings are the user's choices, kept in Fyne's preferences.
type Settings struct {
	Role string // RolePharmacist, RoleWarehouse, RoleInspector or "" (not chosen yet)

	// Ledger connection (used by main to dial the ledger; takes effect on restart).
	Endpoint   string // host:port of the Fabric gateway peer
	ServerName string // TLS server name override, "" for the endpoint's host
	TLSCA      string // file: the peer's TLS CA certificate
	MSPID      string
	Cert       string // file: the user's certificate
	Key        string // file: the user's private key

	Location string // GLN of this site

	GSSubstitute     string // one character a scanner sends for GS, "" for none
	IdleEndMs        int    // silence (ms) after a fast burst that ends a scan, for scanners that send no Enter or Tab; 0: off
	SerialPort       string
	SerialBaud       int
	CameraDevice     string
	CameraResolution string // e.g. "1280x720"

	Language string // LangSystem, LangEnglish or LangChinese
	Theme    string // ThemeSystem, ThemeLight or ThemeDark
}

// Ledger is the ledger connection set in Settings (station.Source uses it
// when its endpoint is set).
func (s Settings) Ledger() station.Connection {
	return station.Connection{Endpoint: s.Endpoint, ServerName: s.ServerName, TLSCA: s.TLSCA, MSPID: s.MSPID,
		Cert: s.Cert, Key: s.Key}
}

// Preference keys.
const (
	prefRole       = "role"
	prefEndpoint   = "ledger.endpoint"
	prefServerName = "ledger.serverName"
	prefTLSCA      = "ledger.tlsCA"
	prefMSPID      = "ledger.mspID"
	prefCert       = "ledger.cert"
	prefKey        = "ledger.key"
	prefLocation   = "site.gln"
	prefGSSubst    = "scanner.gsSubstitute"
	prefIdleEnd    = "scanner.idleEndMs"
	prefSerialPort = "scanner.serialPort"
	prefSerialBaud = "scanner.serialBaud"
	prefCamDevice  = "scanner.cameraDevice"
	prefCamRes     = "scanner.cameraResolution"
	prefLanguage   = "ui.language"
	prefTheme      = "ui.theme"
)

// LoadSettings reads the settings from p, with defaults for what is unset.
func LoadSettings(p fyne.Preferences) Settings {
	return Settings{
		Role:             p.String(prefRole),
		Endpoint:         p.String(prefEndpoint),
		ServerName:       p.String(prefServerName),
		TLSCA:            p.String(prefTLSCA),
		MSPID:            p.String(prefMSPID),
		Cert:             p.String(prefCert),
		Key:              p.String(prefKey),
		Location:         p.String(prefLocation),
		GSSubstitute:     p.String(prefGSSubst),
		IdleEndMs:        p.Int(prefIdleEnd),
		SerialPort:       p.String(prefSerialPort),
		SerialBaud:       p.IntWithFallback(prefSerialBaud, 9600),
		CameraDevice:     p.StringWithFallback(prefCamDevice, "/dev/video0"),
		CameraResolution: p.StringWithFallback(prefCamRes, "1280x720"),
		Language:         p.StringWithFallback(prefLanguage, LangSystem),
		Theme:            p.StringWithFallback(prefTheme, ThemeSystem),
	}
}

// Save writes s to p.
func (s Settings) Save(p fyne.Preferences) {
	p.SetString(prefRole, s.Role)
	p.SetString(prefEndpoint, s.Endpoint)
	p.SetString(prefServerName, s.ServerName)
	p.SetString(prefTLSCA, s.TLSCA)
	p.SetString(prefMSPID, s.MSPID)
	p.SetString(prefCert, s.Cert)
	p.SetString(prefKey, s.Key)
	p.SetString(prefLocation, s.Location)
	p.SetString(prefGSSubst, s.GSSubstitute)
	p.SetInt(prefIdleEnd, s.IdleEndMs)
	p.SetString(prefSerialPort, s.SerialPort)
	p.SetInt(prefSerialBaud, s.SerialBaud)
	p.SetString(prefCamDevice, s.CameraDevice)
	p.SetString(prefCamRes, s.CameraResolution)
	p.SetString(prefLanguage, s.Language)
	p.SetString(prefTheme, s.Theme)
}

// substituteByte returns the GS substitute, 0 for none.
func (s Settings) substituteByte() byte {
	if len(s.GSSubstitute) == 1 {
		return s.GSSubstitute[0]
	}
	return 0
}

// validSubstitute reports whether s can stand for GS: empty, or one ASCII
// punctuation character (letters, digits and spaces are data in every code).
func validSubstitute(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 1 {
		return false
	}
	c := s[0]
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
}

// validGLN reports whether s is a 13-digit GLN with a correct check digit.
func validGLN(s string) bool {
	return len(s) == 13 && gs1.CheckDigitOK(s)
}

// The range a scan-ending silence may be set to: shorter than a scanner's
// own gaps splits scans; longer than a second feels like a hang.
const (
	minIdleEndMs = 20
	maxIdleEndMs = 1000
)

// idleEnd is the scan-ending silence, 0 for off.
func (s Settings) idleEnd() time.Duration {
	return time.Duration(s.IdleEndMs) * time.Millisecond
}

// parseIdleEnd reads the Settings field: empty or 0 is off, else a number
// of milliseconds in [minIdleEndMs, maxIdleEndMs].
func parseIdleEnd(text string) (int, bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, true
	}
	n, err := strconv.Atoi(text)
	if err != nil || n != 0 && (n < minIdleEndMs || n > maxIdleEndMs) {
		return 0, false
	}
	return n, true
}
