package station

// The desks a user works at. Each signs on the ledger as one of the
// identities of a connection profile (see Identity).
const (
	RolePharmacist   = "pharmacist"
	RoleWarehouse    = "warehouse"
	RoleInspector    = "inspector"
	RoleManufacturer = "manufacturer"
)

// Identity names the connection profile identity a desk signs with.
func Identity(role string) string {
	switch role {
	case RoleWarehouse:
		return "distributor"
	case RoleInspector:
		return "regulator"
	case RoleManufacturer:
		return "manufacturer"
	}
	return "pharmacy"
}
