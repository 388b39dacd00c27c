package localkey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Size is the length of a key in bytes.
const Size = 32

// Key is a loaded local key.
type Key struct {
	b    []byte
	path string
}

// Path is where the key was loaded from.
func (k *Key) Path() string { return k.path }

// Sign returns the HMAC-SHA256 of msg under the key, in hex.
func (k *Key) Sign(msg []byte) string {
	m := hmac.New(sha256.New, k.b)
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is Sign(msg), in constant time.
func (k *Key) Verify(msg []byte, sig string) bool {
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, k.b)
	m.Write(msg)
	return hmac.Equal(m.Sum(nil), want)
}

// Fingerprint identifies a secret under a label ("winrm", "cmdb") without
// revealing it: the first 16 bytes of HMAC(key, label NUL secret), in hex.
// Without the key a fingerprint cannot be tested against guesses.
func (k *Key) Fingerprint(label, secret string) string {
	m := hmac.New(sha256.New, k.b)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// ErrExposed is returned (wrapped) for a key file that others may read: a
// key that may have been read cannot be trusted to sign.
var ErrExposed = errors.New("key file is readable or writable by others")

// LoadOrCreate reads the key at path, creating it (and its folder) when it
// is missing. A key file with the wrong size, or one that others may read
// or write, is an error naming the file and what to do.
func LoadOrCreate(path string) (*Key, error) {
	b, err := read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return create(path)
	}
	if err != nil {
		return nil, err
	}
	return &Key{b: b, path: path}, nil
}

func read(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key %s (mode %s): %w; delete it to create a new one, or chmod 600 if only the service account could ever read it",
			path, fi.Mode().Perm(), ErrExposed)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	if len(b) != Size {
		return nil, fmt.Errorf("key %s holds %d bytes, want %d: delete it to create a new one", path, len(b), Size)
	}
	return b, nil
}

// create writes a new random key without ever leaving a partial or
// readable file at path: it is written beside it, restricted, synced and
// renamed into place. If another process created the key meanwhile, that
// key is loaded instead.
func create(path string) (*Key, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key folder: %w", err)
	}
	b := make([]byte, Size)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := restrict(tmp); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("restrict key: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("sync key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	// Link fails if path exists, so a key created concurrently wins.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreate(path)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, fmt.Errorf("install key: %w", err)
		}
	}
	syncDir(dir)
	return &Key{b: b, path: path}, nil
}

func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
