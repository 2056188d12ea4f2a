package eio

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeText(t *testing.T) {
	tests := []struct {
		in       string
		wantType Type
		wantData string
		wantErr  bool
	}{
		{in: `0{"sid":"x"}`, wantType: Open, wantData: `{"sid":"x"}`},
		{in: "1", wantType: Close},
		{in: "2", wantType: Ping},
		{in: "2probe", wantType: Ping, wantData: "probe"},
		{in: "3probe", wantType: Pong, wantData: "probe"},
		{in: `42["x"]`, wantType: Message, wantData: `2["x"]`},
		{in: "4", wantType: Message},
		{in: "5", wantType: Upgrade},
		{in: "6", wantType: Noop},
		{in: "", wantErr: true},
		{in: "7", wantErr: true},
		{in: "9abc", wantErr: true},
		{in: "/", wantErr: true}, // the byte before '0'
		{in: "abc", wantErr: true},
		{in: "b4AQID", wantErr: true}, // base64 belongs to payloads, not frames
		{in: "\xff", wantErr: true},
	}
	for _, tt := range tests {
		p, err := DecodeText([]byte(tt.in))
		if tt.wantErr {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("DecodeText(%q) = %+v, %v; want ErrInvalid", tt.in, p, err)
			}
			continue
		}
		if err != nil || p.Type != tt.wantType || string(p.Data) != tt.wantData || p.Binary {
			t.Errorf("DecodeText(%q) = %+v, %v; want type %d data %q", tt.in, p, err, tt.wantType, tt.wantData)
		}
	}
}

func TestDecodeBinary(t *testing.T) {
	tests := []struct {
		name     string
		v        Version
		in       []byte
		wantData []byte
		wantErr  bool
	}{
		{name: "v4 raw bytes", v: V4, in: []byte{1, 2, 3}, wantData: []byte{1, 2, 3}},
		{name: "v4 bytes that look like a type", v: V4, in: []byte{4, 1}, wantData: []byte{4, 1}},
		{name: "v4 empty", v: V4, in: []byte{}, wantData: []byte{}},
		{name: "v3 message type byte", v: V3, in: []byte{4, 1, 2, 3}, wantData: []byte{1, 2, 3}},
		{name: "v3 type byte only", v: V3, in: []byte{4}, wantData: []byte{}},
		{name: "v3 empty", v: V3, in: []byte{}, wantErr: true},
		{name: "v3 ping type byte", v: V3, in: []byte{2, 1}, wantErr: true},
		{name: "v3 type as a digit", v: V3, in: []byte("4abc"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeBinary(tt.v, tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("DecodeBinary = %+v, %v; want ErrInvalid", p, err)
				}
				return
			}
			if err != nil || p.Type != Message || !p.Binary || !bytes.Equal(p.Data, tt.wantData) {
				t.Fatalf("DecodeBinary = %+v, %v; want a binary message %v", p, err, tt.wantData)
			}
		})
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct {
		t    Type
		data string
		want string
	}{
		{Open, `{"sid":"x"}`, `0{"sid":"x"}`},
		{Close, "", "1"},
		{Pong, "probe", "3probe"},
		{Message, `2["x"]`, `42["x"]`},
		{Noop, "", "6"},
	}
	for _, tt := range tests {
		if got := AppendText([]byte("prefix:"), tt.t, []byte(tt.data)); string(got) != "prefix:"+tt.want {
			t.Errorf("AppendText(%d, %q) = %q, want %q", tt.t, tt.data, got, "prefix:"+tt.want)
		}
	}
}
