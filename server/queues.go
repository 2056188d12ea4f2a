package server

import (
	"reflect"
	"runtime"
	"unsafe"

	"github.com/zishang520/socket.io/v3/pkg/queue"
)

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
