package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// TLS configures roomcast's own HTTPS: the page, socket.io and the raw
// websocket endpoint served over TLS by the one binary, for deployments
// without a TLS proxy in front (browsers give pages camera access only on
// secure origins). The certificate can be replaced while roomcast runs
// (Server.ReloadTLS, on SIGHUP): new connections get the new one, open
// connections keep theirs.
type TLS struct {
	// CertFile is a PEM file with the certificate, followed by its
	// intermediates; KeyFile is a PEM file with its private key. Both or
	// neither. Default: "" (plain HTTP).
	CertFile string
	KeyFile  string
}

// Enabled reports whether roomcast serves TLS itself.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// Validate reports the first setting that cannot work: one file without
// the other, or files that are not a certificate and its key.
func (t TLS) Validate() error {
	if !t.Enabled() {
		return nil
	}
	if t.CertFile == "" || t.KeyFile == "" {
		return errors.New("TLS needs both a certificate file and a key file")
	}
	_, err := t.load()
	return err
}

// load reads the certificate and its key.
func (t TLS) load() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", t.CertFile, t.KeyFile, err)
	}
	return &cert, nil
}

// certificate is the certificate being served. Each TLS handshake asks for
// it (GetCertificate), so a reload takes effect at the next connection and
// never touches an open one.
type certificate struct {
	files   TLS
	current atomic.Pointer[tls.Certificate]
}

func loadCertificate(files TLS) (*certificate, error) {
	c := &certificate{files: files}
	if err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// reload reads the files again. On an error the certificate served so far
// stays, so a half-written renewal never takes the site down.
func (c *certificate) reload() error {
	cert, err := c.files.load()
	if err != nil {
		return err
	}
	c.current.Store(cert)
	return nil
}

func (c *certificate) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.current.Load(), nil
}

// notAfter is when the served certificate expires, for the log.
func (c *certificate) notAfter() time.Time {
	if leaf := c.current.Load().Leaf; leaf != nil {
		return leaf.NotAfter
	}
	return time.Time{}
}

// config is the listener's TLS configuration. It offers HTTP/1.1 only:
// websockets (socket.io's and the raw endpoint's) upgrade HTTP/1.1
// connections, and the server then behaves exactly as it does over plain
// HTTP, which every test covers.
func (c *certificate) config() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: c.get,
		NextProtos:     []string{"http/1.1"},
	}
}
