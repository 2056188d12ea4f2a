package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
)

// errBadPlaceholder closes a session whose BINARY_EVENT names an
// attachment it does not carry.
var errBadPlaceholder = errors.New("an attachment placeholder that names no attachment")

// placeholderKey and placeholderNum are the members of an attachment
// placeholder, {"_placeholder":true,"num":n}.
const (
	placeholderKey = "_placeholder"
	placeholderNum = "num"
)

// placeholdersValid reports whether every attachment placeholder in the
// JSON data of a BINARY_EVENT names one of its attachments: num an
// integer from 0 to attachments-1. The official clients (socket.io-parser
// 4) take a packet with any other placeholder for a broken connection and
// close it, so one relayed bad packet would disconnect the sender's whole
// room; the reference server closes the sender instead, as roomcast does.
// Keys are compared decoded, as JSON.parse does, and the last of duplicate
// keys counts. data has passed jsonscan.Valid; the walk iterates,
// never recurses.
func placeholdersValid(data []byte, attachments int) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []placeholderScan
	for {
		tok, err := dec.Token()
		if err != nil {
			return len(stack) == 0 // the end, or JSON that Valid would not have passed
		}
		var top *placeholderScan
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			if d == '}' && top.placeholder && !top.namesAttachment(attachments) {
				return false
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object && top.key == nil {
			key := tok.(string) // an object's tokens alternate key, value
			top.key = &key
			continue
		}
		if top != nil && top.object {
			top.value(*top.key, tok)
			top.key = nil
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, placeholderScan{object: d == '{'})
		}
	}
}

// placeholderScan is what the walk knows of one open array or object.
type placeholderScan struct {
	object bool
	key    *string // the key whose value comes next; nil while a key comes
	// placeholder is set while the object's _placeholder is true; num is
	// its num, when a number.
	placeholder bool
	num         json.Number
}

// value takes the value of a member.
func (o *placeholderScan) value(key string, tok json.Token) {
	switch key {
	case placeholderKey:
		o.placeholder = tok == true
	case placeholderNum:
		o.num, _ = tok.(json.Number)
	}
}

func (o *placeholderScan) namesAttachment(attachments int) bool {
	n, err := o.num.Float64()
	return err == nil && n == math.Trunc(n) && n >= 0 && n < float64(attachments)
}
