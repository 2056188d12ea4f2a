package server

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// Each logged size is one of the allocator's classes exactly, so that the
// inline room costs nothing a smaller class would have saved.
func TestLoggedSizeClasses(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) == 8 && unsafe.Sizeof(logged{}) != loggedHeader {
		t.Fatalf("logged is %d bytes, loggedHeader says %d", unsafe.Sizeof(logged{}), loggedHeader)
	}
	for _, size := range []uintptr{unsafe.Sizeof(logged128{}), unsafe.Sizeof(logged192{}), unsafe.Sizeof(logged256{}), unsafe.Sizeof(logged384{})} {
		switch size {
		case 128, 192, 256, 384:
		default:
			if unsafe.Sizeof(uintptr(0)) == 8 {
				t.Errorf("a logged size is %d bytes, not a size class", size)
			}
		}
	}
}

// A logged packet has its offset appended, whatever its size: inline in
// each size, and in a buffer of its own past the largest.
func TestNewLoggedAppendsTheOffset(t *testing.T) {
	ids := &packetIDs{prefix: "n1-"}
	for i, n := range []int{1, 60, 100, 180, 300, 1000} {
		pkt := []byte(`2["ice","` + strings.Repeat("x", n) + `"]`)
		p := newLogged(pkt, nil, "", ids)
		offset := "n1-" + strconv.Itoa(i+1)
		if want := string(pkt[:len(pkt)-1]) + `,"` + offset + `"]`; string(p.pkt) != want || p.offset() != offset {
			t.Fatalf("%d bytes: logged %q (offset %q), want %q", n, p.pkt, p.offset(), want)
		}
		if string(p.withoutOffset()) != string(pkt) {
			t.Fatalf("%d bytes: without its offset %q, want %q", n, p.withoutOffset(), pkt)
		}
		if got := newLogged(pkt, nil, "n2-7", ids).offset(); got != "n2-7" {
			t.Fatalf("%d bytes: a given offset became %q", n, got)
		}
	}
}
