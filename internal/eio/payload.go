package eio

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// separator ends each packet but the last of a version 4 payload.
const separator = 0x1e

// maxLengthDigits bounds the length prefix of a version 3 payload item: ten
// digits already exceed any body roomcast accepts.
const maxLengthDigits = 10

// DecodePayload calls each for every packet of a polling request body, in
// order, and stops at the first error. binaryBody is set when the body was
// sent as application/octet-stream, which only version 3 uses. Packet data
// is a slice of body, except for base64-encoded binary data, which is
// decoded into new memory.
func DecodePayload(v Version, body []byte, binaryBody bool, each func(Packet) error) error {
	switch {
	case v == V4:
		return decodeV4(body, each)
	case binaryBody:
		return decodeV3Binary(body, each)
	default:
		return decodeV3Text(body, each)
	}
}

func decodeV4(body []byte, each func(Packet) error) error {
	for {
		part := body
		end := bytes.IndexByte(body, separator)
		if end >= 0 {
			part, body = body[:end], body[end+1:]
		}
		p, err := DecodeString(V4, part)
		if err != nil {
			return err
		}
		if err := each(p); err != nil {
			return err
		}
		if end < 0 {
			return nil
		}
	}
}

// decodeV3Text reads "<length>:<packet>" items, the length counted in UTF-16
// code units as JavaScript strings count them.
func decodeV3Text(body []byte, each func(Packet) error) error {
	if len(body) == 0 {
		return ErrInvalid
	}
	for len(body) > 0 {
		colon := bytes.IndexByte(body, ':')
		if colon <= 0 || colon > maxLengthDigits {
			return ErrInvalid
		}
		units, err := strconv.Atoi(string(body[:colon]))
		if err != nil || units <= 0 {
			return ErrInvalid
		}
		body = body[colon+1:]
		n := bytesForUTF16Units(body, units)
		if n < 0 {
			return ErrInvalid
		}
		p, err := DecodeString(V3, body[:n])
		if err != nil {
			return err
		}
		if err := each(p); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

// decodeV3Binary reads the binary payload format: per item a kind byte (0
// text, 1 binary), the length in bytes as one byte per decimal digit, 0xFF,
// then the packet.
func decodeV3Binary(body []byte, each func(Packet) error) error {
	if len(body) == 0 {
		return ErrInvalid
	}
	for len(body) > 0 {
		kind := body[0]
		if kind > 1 {
			return ErrInvalid
		}
		n, i := 0, 1
		for ; i < len(body) && body[i] != 0xff; i++ {
			if body[i] > 9 || i > maxLengthDigits {
				return ErrInvalid
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i >= len(body) || n > len(body)-i-1 {
			return ErrInvalid
		}
		item := body[i+1 : i+1+n]
		body = body[i+1+n:]
		var p Packet
		var err error
		if kind == 0 {
			p, err = DecodeText(item)
		} else {
			p, err = DecodeBinary(V3, item)
		}
		if err != nil {
			return err
		}
		if err := each(p); err != nil {
			return err
		}
	}
	return nil
}

// AppendV4 appends p to a version 4 payload; sep adds the separator first,
// for every packet but the first.
func AppendV4(dst []byte, p Packet, sep bool) []byte {
	if sep {
		dst = append(dst, separator)
	}
	if p.Binary {
		return base64.StdEncoding.AppendEncode(append(dst, 'b'), p.Data)
	}
	return AppendText(dst, p.Type, p.Data)
}

// AppendV3Text appends p to a version 3 text payload, binary data base64
// encoded ("b4…"), as clients that sent b64=1 expect.
func AppendV3Text(dst []byte, p Packet) []byte {
	if p.Binary {
		n := 2 + base64.StdEncoding.EncodedLen(len(p.Data))
		dst = append(strconv.AppendInt(dst, int64(n), 10), ':', 'b', p.Type.Digit())
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(strconv.AppendInt(dst, int64(1+UTF16Len(p.Data)), 10), ':')
	return AppendText(dst, p.Type, p.Data)
}

// AppendV3Binary appends p to a version 3 binary payload, the format of
// XHR2 clients that did not send b64=1. socket.io-client 1.x reads polling
// answers only in this format.
func AppendV3Binary(dst []byte, p Packet) []byte {
	kind := byte(0)
	if p.Binary {
		kind = 1
	}
	dst = append(dst, kind)
	for _, d := range strconv.AppendInt(nil, int64(1+len(p.Data)), 10) {
		dst = append(dst, d-'0')
	}
	dst = append(dst, 0xff)
	if p.Binary {
		dst = append(dst, byte(p.Type))
	} else {
		dst = append(dst, p.Type.Digit())
	}
	return append(dst, p.Data...)
}

// UTF16Len counts b's characters as JavaScript does: code units of UTF-16,
// two for characters beyond the Basic Multilingual Plane. Invalid UTF-8
// counts as one unit per byte, as its replacement character would.
func UTF16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}

// bytesForUTF16Units returns how many bytes of b hold its first units
// UTF-16 code units, or -1 when b is shorter or a character would be split.
func bytesForUTF16Units(b []byte, units int) int {
	i := 0
	for units > 0 {
		if i >= len(b) {
			return -1
		}
		if b[i] < utf8.RuneSelf {
			i++
			units--
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		units--
		if r > 0xffff {
			units--
		}
	}
	if units < 0 {
		return -1
	}
	return i
}
