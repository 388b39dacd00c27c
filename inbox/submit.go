package inbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Dir is the inbox of the journal at path.
func Dir(journal string) string { return journal + ".inbox" }

// RefusedDir is where refused request files of the journal at path are
// kept for the admin (package rights says what is refused).
func RefusedDir(journal string) string { return journal + ".inbox-refused" }

// Submit checks a request and writes it into the inbox of the journal
// atomically (mode 0600), and returns the file's path.
func Submit(journal string, r Request) (string, error) {
	if _, err := r.Record(); err != nil {
		return "", err
	}
	dir := Dir(journal)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".req-*")
	if err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	name := filepath.Join(dir, submittedName(r, filepath.Base(tmp.Name())))
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", fmt.Errorf("inbox: %w", err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close(), os.Rename(tmp.Name(), name)); err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	return name, nil
}
