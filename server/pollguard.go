package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// A polling client that goes away (it does on every websocket upgrade and
// every close) cancels its pending request. The engine's HttpContext watches
// that cancellation on a goroutine of its own, which then reads the
// ctx.Cleanup field the polling transport may still be writing on the
// handler goroutine (engine transports/polling.go:133 against
// pkg/types/http-context.go:247): a data race, and a cleanup that is lost
// answers the client's next poll with "overlap".
//
// guardPolling hands the engine a context that roomcast cancels itself, and
// only once the transport has registered its "close" listener, which it does
// right after writing Cleanup: reading the listener count synchronizes with
// that write.
func guardPolling(engine http.Handler) http.Handler {
	eng, ok := engine.(interface{ HandleRequest(*types.HttpContext) })
	if !ok {
		return engine
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			engine.ServeHTTP(w, r) // hijacked: no HttpContext watcher involved
			return
		}
		ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
		defer cancel()
		hctx := types.NewHttpContext(w, r.WithContext(ctx))
		served := make(chan struct{})
		go forwardAbort(r.Context(), hctx, cancel, served)
		eng.HandleRequest(hctx)
		close(served)
	})
}

// How forwardAbort waits for the transport to settle. Requests are settled
// microseconds after they arrive, long before a client aborts them, so the
// wait almost never loops; the limit covers requests that never register a
// listener.
const (
	settleCheckInterval = time.Millisecond
	settleLimit         = time.Second
)

// forwardAbort cancels the engine's context after the client's, once the
// transport is done setting the request up.
func forwardAbort(client context.Context, hctx *types.HttpContext, cancel context.CancelFunc, served <-chan struct{}) {
	select {
	case <-served:
		return
	case <-client.Done():
	}
	tick := time.NewTicker(settleCheckInterval)
	defer tick.Stop()
	limit := time.After(settleLimit)
	for hctx.ListenerCount("close") == 0 && !hctx.IsDone() {
		select {
		case <-served:
			return
		case <-limit:
			cancel()
			return
		case <-tick.C:
		}
	}
	cancel()
}
