package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// roomcast's own TLS (--tls-cert, --tls-key): the page over HTTPS,
// socket.io over wss and polling over HTTPS with the official clients, and
// a certificate replaced on SIGHUP while a connection stays up.

// testCA is a certificate authority made for one test; the clients trust
// it alone.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "roomcast test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), pool: pool}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// writeLeaf issues a certificate for 127.0.0.1 with serial and writes it
// and its key as the PEM files a server is started with, replacing them
// the way a renewal does: each file written whole, then renamed into place.
func (ca *testCA) writeLeaf(t *testing.T, serial int64, certFile, keyFile string) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	replaceFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// servedSerial makes a new TLS connection to addr, verified against the
// CA, and returns the serial of the certificate it was given.
func (ca *testCA) servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: waitTimeout}, "tcp", addr, &tls.Config{RootCAs: ca.pool})
	if err != nil {
		t.Fatalf("TLS connection to %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// waitLog waits until the server has logged a line containing text.
func waitLog(t *testing.T, s *server, text string) {
	t.Helper()
	waitLogs(t, s, func(logs string) bool { return strings.Contains(logs, text) },
		func() string { return fmt.Sprintf("the server logged no %q; log:\n%s", text, s.Logs()) })
}

// tlsOpts are a client's connect options: trust the test's CA (and nothing
// else), join room at once, and use the transports given.
func tlsOpts(ca *testCA, room string, transports ...string) map[string]any {
	opts := inRoom(room)
	opts["ca"] = ca.pem
	opts["transports"] = transports
	return opts
}

func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.writeLeaf(t, 1001, certFile, keyFile)
	plain := startServer(t, "--tls-cert", certFile, "--tls-key", keyFile)
	s := &server{Proc: plain.Proc, URL: "https://" + plain.Addr}

	// The page and the client bundle over HTTPS.
	client := &http.Client{Timeout: waitTimeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}}}
	for path, want := range map[string]string{"/?room=physics": "<title>roomcast</title>", "/socket.io/socket.io.js": "io"} {
		res, err := client.Get(s.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("GET %s over HTTPS: %d, %d bytes without %q", path, res.StatusCode, len(body), want)
		}
	}
	// Only TLS is spoken there.
	if res, err := http.Get(plain.URL + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d, want 400", res.StatusCode)
		}
	}
	if got := ca.servedSerial(t, s.Addr); got != 1001 {
		t.Fatalf("served certificate %d, want 1001", got)
	}

	// The official clients over wss, and over polling on HTTPS.
	d := startDriver(t)
	old := d.connect(s, "old", clientV4, tlsOpts(ca, "secure", "websocket"))
	old.next(t, "joined")
	polling := d.connect(s, "polling", clientV4, tlsOpts(ca, "secure", "polling"))
	polling.next(t, "joined")
	// socket.io-client 2.x takes the runtime's own WebSocket where there is
	// one, as in the driver, and that ignores the ca option: it polls.
	v2 := d.connect(s, "v2", clientV2, tlsOpts(ca, "secure", "polling"))
	v2.next(t, "joined")
	if old.Transport != "websocket" || polling.Transport != "polling" || v2.Transport != "polling" {
		t.Fatalf("transports %s, %s, %s; want websocket, polling, polling", old.Transport, polling.Transport, v2.Transport)
	}

	// A renewed certificate: new connections get it after SIGHUP.
	ca.writeLeaf(t, 1002, certFile, keyFile)
	if err := syscall.Kill(s.PID, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The server logs the reload once the new certificate is in use.
	waitLog(t, s, "reloaded the TLS certificate")
	if got := ca.servedSerial(t, s.Addr); got != 1002 {
		t.Fatalf("after the reload new connections get certificate %d, want 1002", got)
	}
	renewed := d.connect(s, "renewed", clientV4, tlsOpts(ca, "secure", "websocket"))
	renewed.next(t, "joined")

	// The connections made before it kept working, on their first TLS
	// session: signaling flows both ways and none reconnected.
	renewed.emit("offer", map[string]any{"sdp": "renewed"})
	for _, p := range []*peer{old, polling, v2} {
		if got := payload(t, p.next(t, "offer")); got["sdp"] != "renewed" || got["from"] != renewed.ID {
			t.Fatalf("%s got offer %v, want renewed's", p.name, got)
		}
	}
	ackOK(t, old.call(t, "answer", map[string]any{"to": renewed.ID, "sdp": "old"}))
	if got := payload(t, renewed.next(t, "answer")); got["sdp"] != "old" || got["from"] != old.ID {
		t.Fatalf("renewed got answer %v, want old's", got)
	}
	for _, p := range []*peer{old, polling, v2} {
		p.barrier(t)
		p.mu.Lock()
		for _, r := range p.reports {
			if r.Type == "disconnect" || r.Type == "connect" && r.ID != p.ID {
				t.Errorf("%s: %s %s %s across the reload", p.name, r.Type, r.ID, r.Reason)
			}
		}
		p.mu.Unlock()
	}

	// A broken renewal (a key of another certificate) is refused and the
	// served certificate stays.
	otherCert, otherKey := filepath.Join(dir, "other.pem"), filepath.Join(dir, "other-key.pem")
	ca.writeLeaf(t, 1003, otherCert, otherKey)
	keyPEM, err := os.ReadFile(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, keyFile, keyPEM)
	if err := syscall.Kill(s.PID, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, s, "the TLS certificate was not reloaded")
	if got := ca.servedSerial(t, s.Addr); got != 1002 {
		t.Fatalf("after a broken renewal the server serves certificate %d, want 1002 still", got)
	}
	ackOK(t, old.call(t, "answer", map[string]any{"to": renewed.ID, "sdp": "still"}))
	renewed.next(t, "answer")
}
