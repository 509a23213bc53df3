package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medtrace/medtrace/trace"
)

// detailGateway fails Endorse with a code and the gateway's per-endorser
// details, as Fabric 2.5's gateway does when endorsements fail.
type detailGateway struct {
	gateway.UnimplementedGatewayServer
	code    codes.Code
	details []*gateway.ErrorDetail
}

func (g *detailGateway) Endorse(context.Context, *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
	st := status.New(g.code, "failed to collect enough transaction endorsements, see attached details for more info")
	for _, d := range g.details {
		var err error
		if st, err = st.WithDetails(d); err != nil {
			return nil, err
		}
	}
	return nil, st.Err()
}

// TestEndorseFailureByOrganisation: an Aborted endorsement is
// ErrUnavailable when the gateway peer's organisation is known and none of
// the failing endorsers is of it (its own organisation endorsed, too few
// others answered), and stays ErrRejected otherwise.
func TestEndorseFailureByOrganisation(t *testing.T) {
	down := func(msp, addr string) *gateway.ErrorDetail {
		return &gateway.ErrorDetail{Address: addr, MspId: msp, Message: "connection refused"}
	}
	tests := []struct {
		name    string
		peerMSP string
		code    codes.Code
		details []*gateway.ErrorDetail
		want    error
	}{
		{"two other members down", "ManufacturerMSP", codes.Aborted,
			[]*gateway.ErrorDetail{down("DistributorMSP", "p2:7051"), down("PharmacyMSP", "p3:7051")}, ErrUnavailable},
		{"the gateway's own organisation failed", "ManufacturerMSP", codes.Aborted,
			[]*gateway.ErrorDetail{down("ManufacturerMSP", "p1:7051")}, ErrRejected},
		{"own and others failed", "ManufacturerMSP", codes.Aborted,
			[]*gateway.ErrorDetail{down("ManufacturerMSP", "p1:7051"), down("PharmacyMSP", "p3:7051")}, ErrRejected},
		{"peer organisation unknown", "", codes.Aborted,
			[]*gateway.ErrorDetail{down("DistributorMSP", "p2:7051")}, ErrRejected},
		{"no details", "ManufacturerMSP", codes.Aborted, nil, ErrRejected},
		{"no set of peers satisfies the policy", "ManufacturerMSP", codes.FailedPrecondition, nil, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg := startFake(t, &detailGateway{code: tt.code, details: tt.details})
			cfg.PeerMSPID = tt.peerMSP
			c, err := Dial(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer closeClient(t, c)
			_, err = c.Submit(ctx, []trace.Event{{ID: "e1", Kind: trace.KindDispense}})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Submit: %v, want %v", err, tt.want)
			}
		})
	}
}
