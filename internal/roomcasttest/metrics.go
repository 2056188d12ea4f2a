package roomcasttest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is one scrape of a /metrics endpoint, parsed by Prometheus's own
// text parser.
type Metrics map[string]*dto.MetricFamily

// ScrapeMetrics reads and parses url (a /metrics address).
func ScrapeMetrics(t testing.TB, url string) Metrics {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET %s: Content-Type %q, want Prometheus's text format", url, ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("GET %s: not the Prometheus text format: %v", url, err)
	}
	return families
}

// Value returns the value of the sample of name whose labels include
// labels (pairs of name and value), and whether there is one. It fails the
// test when several samples match.
func (m Metrics) Value(t testing.TB, name string, labels ...string) (float64, bool) {
	t.Helper()
	family := m[name]
	if family == nil {
		return 0, false
	}
	var found []float64
	for _, sample := range family.GetMetric() {
		if hasLabels(sample, labels) {
			found = append(found, sampleValue(sample))
		}
	}
	switch len(found) {
	case 0:
		return 0, false
	case 1:
		return found[0], true
	}
	t.Fatalf("%d samples of %s match %q", len(found), name, labels)
	return 0, false
}

// MustValue is Value for a sample that must exist.
func (m Metrics) MustValue(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	v, ok := m.Value(t, name, labels...)
	if !ok {
		t.Fatalf("no sample %s%s in the scrape", name, formatLabels(labels))
	}
	return v
}

func hasLabels(sample *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		matched := false
		for _, l := range sample.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				matched = true
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

func sampleValue(sample *dto.Metric) float64 {
	switch {
	case sample.Counter != nil:
		return sample.Counter.GetValue()
	case sample.Gauge != nil:
		return sample.Gauge.GetValue()
	case sample.Untyped != nil:
		return sample.Untyped.GetValue()
	}
	return 0
}

func formatLabels(labels []string) string {
	var parts []string
	for i := 0; i+1 < len(labels); i += 2 {
		parts = append(parts, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}
