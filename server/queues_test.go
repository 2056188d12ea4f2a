package server

import (
	"reflect"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/queue"
	"github.com/zishang520/socket.io/v3/pkg/utils"
)

// The library's queue fields must be where queues.go looks for them; a bump
// that renames one fails here instead of silently leaking again.
func TestQueueFieldsAreFound(t *testing.T) {
	for name, owner := range map[string]any{
		"socket.io socket":    socket.MakeSocket(),
		"websocket transport": transports.MakeWebSocket(),
		"polling transport":   transports.MakePolling(),
	} {
		v := reflect.ValueOf(owner).Elem()
		found := false
		for _, field := range queueFieldNames {
			if f := v.FieldByName(field); f.IsValid() && f.Type() == queuePointer {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (%T) has none of the queue fields %q", name, owner, queueFieldNames)
		}
	}
	if libraryQueue(socket.MakeSocket()) == nil {
		t.Error("libraryQueue found no queue in a new socket.io socket")
	}
	if libraryQueue("not a struct pointer") != nil || libraryQueue(nil) != nil {
		t.Error("libraryQueue found a queue in something that has none")
	}
}

// collected reports whether the queue behind w is garbage collected within a
// few GC cycles (an object with a finalizer needs two).
func collected(w weak.Pointer[queue.Queue]) bool {
	for i := 0; i < 5 && w.Value() != nil; i++ {
		runtime.GC()
	}
	return w.Value() == nil
}

// The library's queue sets a finalizer on itself and points to itself, so a
// closed queue is never collected. releaseQueues clears the finalizer.
func TestReleasedQueuesAreCollected(t *testing.T) {
	leaky := queue.New()
	leaky.Close()
	leakyRef := weak.Make(leaky)
	leaky = nil
	if collected(leakyRef) {
		t.Log("the library's queue is collected without help: releaseQueues may no longer be needed")
	}

	sock := socket.MakeSocket()
	ref := weak.Make(libraryQueue(sock))
	releaseQueues(sock)
	sock = nil
	if !collected(ref) {
		t.Fatal("a released queue was not collected")
	}
}

// The client's connect-timeout field must be where queues.go looks for it.
func TestConnectTimerFieldIsFound(t *testing.T) {
	c := socket.MakeClient()
	slot := connectTimerSlot(c)
	if slot == nil {
		t.Fatalf("%T has no %s field of type %v", c, connectTimerField, connectTimerType)
	}
	timer := utils.SetTimeout(func() {}, time.Hour)
	defer utils.ClearTimeout(timer)
	slot.Store(timer)
	if got := takeConnectTimer(c); got != timer {
		t.Fatalf("takeConnectTimer = %p, want %p", got, timer)
	}
	if slot.Load() != nil {
		t.Fatal("the client still holds its connect timer")
	}
}
