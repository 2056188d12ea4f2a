// roomcast: the parts of the socket.io 0.9-2.x client API that old pages still
// call, on top of the socket.io 4.x client above. io.connect(url) is still in
// 4.x; socket.json is not: 0.9 sent JSON through it, and 1.x and 2.x kept it
// as the socket itself, so socket.json.send(obj) and socket.json.emit(...)
// run unchanged.
;(function (io) {
  "use strict";
  // Under an AMD or CommonJS loader the client is no global and old pages
  // that need this cannot reach it either; a later client may define json.
  if (typeof io !== "function" || !io.Socket || "json" in io.Socket.prototype) {
    return;
  }
  Object.defineProperty(io.Socket.prototype, "json", {
    configurable: true,
    get: function () {
      return this;
    },
  });
})(typeof io !== "undefined" ? io : undefined);
