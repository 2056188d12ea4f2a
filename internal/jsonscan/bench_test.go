package jsonscan

import "testing"

// candidate is a trickled ICE candidate as pages send it: most of its bytes
// are string content.
const candidate = `{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.17 50000 typ srflx raddr 10.0.0.1 rport 50000 generation 0 ufrag b3nc network-cost 999","sdpMid":"0","sdpMLineIndex":0}`

// BenchmarkObject walks the candidate's members as the relay does, looking
// for its address members.
func BenchmarkObject(b *testing.B) {
	data := []byte(candidate)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		it, _ := Object(data)
		for it.Next() {
			if it.KeyIs("to") || it.KeyIs("room") {
				b.Fatal("an address member in the candidate")
			}
		}
		if !it.Valid() {
			b.Fatal("the candidate is not valid")
		}
	}
}

func BenchmarkValid(b *testing.B) {
	data := []byte(`[` + candidate + `,` + candidate + `]`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if !Valid(data) {
			b.Fatal("not valid")
		}
	}
}

// BenchmarkArray splits a socket.io event as the transport does: its name
// and its arguments.
func BenchmarkArray(b *testing.B) {
	data := []byte(`["ice",` + candidate + `]`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		it, _ := Array(data)
		n := 0
		for _, more := it.Next(); more; _, more = it.Next() {
			n++
		}
		if n != 2 {
			b.Fatalf("%d elements, want 2", n)
		}
	}
}
