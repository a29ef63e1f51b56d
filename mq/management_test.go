package mq

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"rabbitboard/internal/management"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Each node's management API: derived from the AMQP URL (https on 15671
// for amqps), or as given, with the credentials given in it honoured and
// taken out of the base URL; http beside amqps is refused.
func TestManagementEndpoint(t *testing.T) {
	tests := []struct {
		amqp, given          string
		base, user, password string
		refused              bool
	}{
		{"amqp://guest:guest@localhost:5672/", "", "http://localhost:15672", "guest", "guest", false},
		{"amqps://u:p@mq.example:5671/", "", "https://mq.example:15671", "u", "p", false},
		{"amqp://u:p@mq.example/", "http://admin:s3cret@mq.example:15672/", "http://mq.example:15672", "admin", "s3cret", false},
		{"amqps://u:p@mq.example/", "http://mq.example:15672", "http://mq.example:15672", "u", "p", true},
		{"amqps://u:p@mq.example/", "https://other:p2@mgmt.example", "https://mgmt.example", "other", "p2", false},
		{"amqp://u:p@mq.example/", "-", "-", "u", "p", false},
	}
	for _, tt := range tests {
		t.Run(tt.amqp+" "+tt.given, func(t *testing.T) {
			uri, err := amqp.ParseURI(tt.amqp)
			if err != nil {
				t.Fatal(err)
			}
			e, err := managementEndpoint(uri, tt.given)
			if err != nil {
				t.Fatal(err)
			}
			if e.Base != tt.base || e.User != tt.user || e.Password != tt.password || !e.Refusal.IsZero() != tt.refused {
				t.Fatalf("got base %q user %q password %q refusal %q; want %q %q %q refused %v", e.Base, e.User, e.Password, e.Refusal, tt.base, tt.user, tt.password, tt.refused)
			}
		})
	}
	if _, err := managementEndpoint(amqp.URI{Scheme: "amqp"}, "ftp://x"); err == nil {
		t.Fatal("an ftp management URL: no error")
	}
}

// With amqps, a request to an http management API is refused before it is
// sent (the server hears nothing, the error says what to do), and one to
// an https API trusts the AMQP URL's CA and carries the credentials there.
func TestManagementOverTLS(t *testing.T) {
	var plainHits atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { plainHits.Add(1) }))
	defer plain.Close()
	var user string
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ = r.BasicAuth()
		_, _ = w.Write([]byte(`{"tracing":false}`))
	}))
	defer secure.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	uri, err := amqp.ParseURI("amqps://student:pw@127.0.0.1:5671/?cacertfile=" + ca)
	if err != nil {
		t.Fatal(err)
	}

	refused, _ := managementEndpoint(uri, plain.URL)
	m := management.New("/", refused, "")
	err = m.Do(context.Background(), http.MethodGet, "/api/vhosts/%2F", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "https") || plainHits.Load() != 0 {
		t.Fatalf("http beside amqps: %v, %d requests heard; want a refusal and none", err, plainHits.Load())
	}

	ok, err := managementEndpoint(uri, secure.URL)
	if err != nil {
		t.Fatal(err)
	}
	m.Use(ok)
	var v struct{ Tracing bool }
	if err := m.Do(context.Background(), http.MethodGet, "/api/vhosts/%2F", nil, &v); err != nil || user != "student" {
		t.Fatalf("https with the AMQP URL's CA: %v, user %q", err, user)
	}
}
