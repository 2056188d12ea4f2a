// The e2e driver: hosts official socket.io clients for the Go tests.
//
// It reads one JSON command per line on stdin and writes one JSON report per
// line on stdout. Every report names the peer it concerns.
//   {op:"connect", peer, url, client:"v4"|"v3"|"v2"|"v1"|"bundle", opts}
//     (opts.localAddress: connect from that address, e.g. 127.0.1.1, as a
//     client of another machine would behind a proxy that hashes addresses)
//   {op:"emit", peer, event, args, ack?: n}   (ack: report {type:"ack", ack:n, args})
//   {op:"burst", peer, event, count, payload} (count emits of {...payload, seq:i}, back to back)
//   {op:"close", peer}
// Reports: connect {id, transport, recovered}, upgrade {transport},
// connect_error {message}, disconnect {reason}, event {event, args}, ack
// {ack, args}, fatal {message}.
//
// Clients do not reconnect unless opts says {reconnection: true}: then every
// reconnect reports connect again, with recovered true when the server gave
// the socket back (socket.io 4.6+'s connection state recovery: the same id,
// its rooms, and the events it missed).
//
// Binary data crosses the JSON lines as {"$binary": "<base64>"}: such an
// argument (or a value nested in one) is emitted as a Buffer, and every
// Buffer, ArrayBuffer or typed array a client receives is reported so.
import http from "node:http";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import vm from "node:vm";

const require = createRequire(import.meta.url);
// Each client version's io(): 3.x and 4.x export it by name too, 1.x and 2.x
// only as the module itself.
const clients = {
  v4: () => require("socket.io-client").io,
  v3: () => require("socket.io-client-v3").io,
  v2: () => require("socket.io-client-v2"),
  v1: () => require("socket.io-client-v1"),
};
const sockets = new Map();

const report = (peer, type, fields = {}) =>
  process.stdout.write(JSON.stringify({ peer, type, ...fields }) + "\n");

// fromWire turns {"$binary": base64} values into Buffers, anywhere in v.
function fromWire(v) {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v === null || typeof v !== "object") return v;
  if (typeof v.$binary === "string" && Object.keys(v).length === 1) return Buffer.from(v.$binary, "base64");
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
}

// toWire turns binary values into {"$binary": base64}, anywhere in v.
function toWire(v) {
  if (Buffer.isBuffer(v)) return { $binary: v.toString("base64") };
  if (v instanceof ArrayBuffer) return { $binary: Buffer.from(v).toString("base64") };
  if (ArrayBuffer.isView(v)) return { $binary: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) return v.map(toWire);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
}

// loadBundle fetches /socket.io/socket.io.js from the server under test and
// evaluates it the way a page's <script> tag would, with the runtime's
// WebSocket standing in for the browser's.
async function loadBundle(url) {
  const res = await fetch(`${url}/socket.io/socket.io.js`);
  if (!res.ok) throw new Error(`GET socket.io.js: ${res.status}`);
  const context = vm.createContext({ WebSocket, setTimeout, clearTimeout, setInterval, clearInterval, console, location: new URL(url) });
  vm.runInContext(await res.text(), context);
  if (typeof context.io !== "function") throw new Error("the bundle did not define io()");
  return context.io;
}

async function connect({ peer, url, client = "v4", opts = {} }) {
  const io = client === "bundle" ? await loadBundle(url) : clients[client]();
  if (opts.localAddress) {
    // Polling requests go through the agent; websockets take the address too.
    opts = { ...opts, agent: new http.Agent({ localAddress: opts.localAddress, keepAlive: true }) };
  }
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  sockets.set(peer, socket);
  const manager = socket.io;
  const transport = () => manager.engine && manager.engine.transport && manager.engine.transport.name;
  manager.on("open", () => manager.engine.on("upgrade", (t) => report(peer, "upgrade", { transport: t.name })));
  // 1.x sockets have no id of their own: the socket's id is its engine's.
  socket.on("connect", () =>
    report(peer, "connect", { id: socket.id || manager.engine.id, transport: transport(), recovered: socket.recovered === true }));
  socket.on("connect_error", (err) => report(peer, "connect_error", { message: String(err && err.message || err) }));
  socket.on("disconnect", (reason) => report(peer, "disconnect", { reason }));
  const onEvent = (event, ...args) => report(peer, "event", { event, args: toWire(args) });
  if (typeof socket.onAny === "function") {
    socket.onAny(onEvent);
  } else {
    // socket.io-client 1.x and 2.x have no onAny: every incoming event
    // passes onevent.
    const onevent = socket.onevent;
    socket.onevent = function (packet) {
      onEvent(...(packet.data || []));
      onevent.call(this, packet);
    };
  }
}

function emit({ peer, event, args = [], ack }) {
  const socket = sockets.get(peer);
  const values = fromWire(args);
  if (ack === undefined) {
    socket.emit(event, ...values);
  } else {
    socket.emit(event, ...values, (...reply) => report(peer, "ack", { ack, args: toWire(reply) }));
  }
}

function burst({ peer, event, count, payload = {} }) {
  const socket = sockets.get(peer);
  for (let seq = 0; seq < count; seq++) socket.emit(event, { ...payload, seq });
}

const ops = {
  connect,
  emit,
  burst,
  close: ({ peer }) => sockets.get(peer).close(),
};

// Commands run strictly in order: a connect that fetches the bundle must not
// be overtaken by the emits that follow it.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = JSON.parse(line);
  queue = queue
    .then(() => ops[cmd.op](cmd))
    .catch((err) => report(cmd.peer, "fatal", { message: `${cmd.op}: ${err.stack || err}` }));
}).on("close", () => {
  for (const socket of sockets.values()) socket.close();
  process.exit(0);
});
