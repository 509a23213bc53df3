package network

// peerOrgDomain is the domain of the organisation that runs the peer.
const peerOrgDomain = "peer.medtrace.test"

// Org is one of the client organisations of the local network, with the
// demo data set's location, GS1 company prefixes and China product
// identifiers.
type Org struct {
	Role            string   // manufacturer, distributor, pharmacy or regulator
	Name            string   // cryptogen and configtx name
	MSPID           string   // MSP ID on the channel
	Domain          string   // cryptogen domain
	GLN             string   // the organisation's location (13 digits, valid check digit)
	CompanyPrefixes []string // GS1 company prefixes it may commission under, then China product identifiers ("CN" and 7 digits)
}

// Orgs returns the client organisations of the local network. Each has an
// Admin and a User1 identity; User1 is the one in connection.json.
func Orgs() []Org {
	return []Org{
		{Role: "manufacturer", Name: "Manufacturer", MSPID: "ManufacturerMSP", Domain: "manufacturer.medtrace.test",
			GLN: "4012345000009", CompanyPrefixes: []string{"4012345", "CN8123456"}}, // CN: China drug code product 8123456 (ledger.DemoCNProduct)
		{Role: "distributor", Name: "Distributor", MSPID: "DistributorMSP", Domain: "distributor.medtrace.test",
			GLN: "4098765000010"},
		{Role: "pharmacy", Name: "Pharmacy", MSPID: "PharmacyMSP", Domain: "pharmacy.medtrace.test",
			GLN: "4054321000016"},
		{Role: "regulator", Name: "Regulator", MSPID: "RegulatorMSP", Domain: "regulator.medtrace.test",
			GLN: "4000001000012"},
	}
}
