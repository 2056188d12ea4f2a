package server

import (
	"reflect"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/queue"
	"github.com/zishang520/socket.io/v3/pkg/utils"
)

// These are the two places roomcast reaches into the library's unexported
// fields, each to stop a leak no exported call can.
//
// The library gives every socket.io socket a task queue and every engine
// transport a write queue (pkg/queue). queue.New sets a finalizer on the
// queue, and the queue points to itself (its sync.Cond locks the queue's own
// mutex). An object with a finalizer that can reach itself is never
// collected, so each queue, with its 1,024-slot task buffer, stays in memory
// forever: about 20 KB per session, two or three queues each.
//
// None of the queues is exported. Once a connection is gone, roomcast reaches
// them by their field names, stops them and clears their finalizers; the
// cycle that is left is ordinary garbage. queueFieldNames must match the
// library: TestQueueFieldsAreFound (server) and the e2e leak tests fail if a
// library bump renames them.
var queueFieldNames = []string{"taskQueue", "writeQueue"}

var queuePointer = reflect.TypeFor[*queue.Queue]()

// The library's timer (pkg/utils) parks its goroutine forever when it is
// stopped before that goroutine first runs, holding what its callback holds:
// for the connect timeout, the whole client, about 52 KB. socket.io stops
// the connect timeout as soon as the namespace opens, which a quick client
// reaches within microseconds: half the sessions leaked it under load.
//
// takeConnectTimer takes the timer out of the client before socket.io can
// stop it; roomcast stops it itself when the connection closes, by when its
// goroutine has long been waiting and stops cleanly. It returns nil when the
// client has no timer (or the field is not found).
// connectTimerField must match the library: TestConnectTimerFieldIsFound
// (server) and the e2e timer test fail if a library bump renames it.
const connectTimerField = "connectTimeout"

var connectTimerType = reflect.TypeFor[atomic.Pointer[utils.Timer]]()

func takeConnectTimer(client *socket.Client) *utils.Timer {
	if slot := connectTimerSlot(client); slot != nil {
		return slot.Swap(nil)
	}
	return nil
}

// connectTimerSlot returns the client's connect-timeout field, or nil.
func connectTimerSlot(client *socket.Client) *atomic.Pointer[utils.Timer] {
	f := reflect.ValueOf(client).Elem().FieldByName(connectTimerField)
	if !f.IsValid() || f.Type() != connectTimerType {
		return nil
	}
	return (*atomic.Pointer[utils.Timer])(unsafe.Pointer(f.UnsafeAddr()))
}

// releaseQueues stops and frees the library queues held by owners: a
// *socket.Socket or an engine transport.
func releaseQueues(owners ...any) {
	for _, owner := range owners {
		if q := libraryQueue(owner); q != nil {
			q.TryClose() // the loop drains what is queued, then exits
			runtime.SetFinalizer(q, nil)
		}
	}
}

// libraryQueue returns the queue field of owner, or nil when it has none.
func libraryQueue(owner any) *queue.Queue {
	v := reflect.ValueOf(owner)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	for _, name := range queueFieldNames {
		f := v.Elem().FieldByName(name)
		if f.IsValid() && f.Type() == queuePointer {
			return *(**queue.Queue)(unsafe.Pointer(f.UnsafeAddr()))
		}
	}
	return nil
}
