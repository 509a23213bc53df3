package cli

import (
	"context"
	"fmt"

	"github.com/medtrace/medtrace/station"
)

// openStation opens the store in the chosen data folder under the
// application layer; with online it also connects to the ledger from the
// profile as the chosen identity. A failure to connect is returned with
// the station, which still answers from the store (the caller decides
// whether that is enough). close releases both.
func (f *dataFlags) openStation(ctx context.Context, sio IO, online bool, o station.Options) (ws *station.Station, close func(), connErr, err error) {
	st, err := f.openStore(ctx, sio)
	if err != nil {
		return nil, nil, nil, err
	}
	if o.Identity == "" {
		o.Identity = f.role
	}
	ws = station.New(st, o)
	close = func() {
		ws.Disconnect()
		closeLogged(sio, "store", st)
	}
	if !online {
		return ws, close, nil, nil
	}
	path, err := f.profilePath(sio.Getenv)
	if err == nil {
		err = ws.Connect(ctx, station.Source{Profile: path, Identity: f.role})
	}
	if err != nil {
		connErr = fmt.Errorf("%w (is the ledger up? 'medtrace ledger up' starts a local one)", err)
	}
	return ws, close, connErr, nil
}
