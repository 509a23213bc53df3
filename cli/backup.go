package cli

import (
	"context"
	"flag"
	"fmt"
)

const backupUsage = `Usage: medtrace backup [--data DIR] [--to FILE]

Writes a consistent copy of the database, safe while the app runs, into the
data folder's backups/ (or to FILE) and prints its path. To restore, stop
MedTrace and copy the backup over medtrace.db.

Exit status: 0 done, 3 the database failed.
`

// runBackup implements "medtrace backup".
func runBackup(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, false)
	to := fs.String("to", "", "write the copy to FILE (must not exist)")
	fs.Usage = func() { fmt.Fprint(sio.Stderr, backupUsage); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, true); !ok {
		return exit
	}
	s, err := df.openStore(ctx, sio)
	if err != nil {
		return printStoreErr(sio, "backup", err)
	}
	defer closeLogged(sio, "store", s)
	path := *to
	if path == "" {
		path, err = s.Backup(ctx)
	} else {
		err = s.BackupTo(ctx, path)
	}
	if err != nil {
		return printStoreErr(sio, "backup", err)
	}
	fmt.Fprintln(sio.Stdout, path)
	return ExitOK
}
