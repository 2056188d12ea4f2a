package eio

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		code       ErrorCode
		wantStatus int
		wantBody   string
	}{
		{UnknownTransport, http.StatusBadRequest, `{"code":0,"message":"Transport unknown"}`},
		{UnknownSID, http.StatusBadRequest, `{"code":1,"message":"Session ID unknown"}`},
		{BadHandshakeMethod, http.StatusBadRequest, `{"code":2,"message":"Bad handshake method"}`},
		{BadRequest, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`},
		{Forbidden, http.StatusForbidden, `{"code":4,"message":"Forbidden"}`},
		{UnsupportedProtocolVersion, http.StatusBadRequest, `{"code":5,"message":"Unsupported protocol version"}`},
	}
	for _, tt := range tests {
		if got := tt.code.Status(); got != tt.wantStatus {
			t.Errorf("code %d: Status() = %d, want %d", tt.code, got, tt.wantStatus)
		}
		body := tt.code.Body()
		if string(body) != tt.wantBody {
			t.Errorf("code %d: Body() = %s, want %s", tt.code, body, tt.wantBody)
		}
		if !json.Valid(body) {
			t.Errorf("code %d: Body() is not JSON: %s", tt.code, body)
		}
	}
}
