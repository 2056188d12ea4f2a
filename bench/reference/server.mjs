// The Node.js reference that `go tool task bench` compares roomcast with: the
// same native protocol (docs/protocol.md) on socket.io 4.8.4 from the
// repository's node_modules, one process, default settings otherwise. Run it
// with NODE_ENV=production and without DEBUG:
//
//   NODE_ENV=production node bench/reference/server.mjs --port 0
//
// It logs one JSON line {"msg":"listening","addr":"127.0.0.1:PORT"} on stderr,
// like roomcast with --log-format json. It is a benchmark baseline, not a
// product: it is kept short so that it can be read against the protocol.
import { createServer } from "node:http";
import { Server } from "socket.io";

const DEFAULT_ROOM = "lobby";
const MAX_PEERS_PER_ROOM = 50;
const MAX_ROOMS_PER_PEER = 8;
const MAX_NAME_LENGTH = 64;
const RELAY_EVENTS = new Set(["offer", "answer", "ice", "candidate", "hangup", "bye", "message"]);

function listenPort() {
  const i = process.argv.indexOf("--port");
  const raw = i >= 0 ? process.argv[i + 1] : (process.env.PORT ?? "0");
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`reference: port ${raw} is not 0-65535\n`);
    process.exit(2);
  }
  return port;
}

// The registry: room name -> Set of socket ids. Each socket keeps its own
// rooms in socket.data.rooms. socket.io's rooms carry the broadcasts under a
// "room:" prefix, so that no room can be named like a socket's private room.
const members = new Map();
const ioRoom = (room) => "room:" + room;
const refusal = (code, message) => ({ code, message });

function validateName(name) {
  if (name === "") return refusal("invalid-room", "room name is empty");
  if (!name.isWellFormed()) return refusal("invalid-room", "room name is not valid UTF-8");
  const n = [...name].length;
  if (n > MAX_NAME_LENGTH) return refusal("invalid-room", `room name has ${n} characters, the limit is ${MAX_NAME_LENGTH}`);
  if (/\p{Cc}/u.test(name)) return refusal("invalid-room", "room name contains a control character");
  return null;
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !Buffer.isBuffer(v);
const others = (room, id) => [...(members.get(room) ?? [])].filter((m) => m !== id).sort();
const joinResult = (id, room, peers) => ({ room, id, peers, clients: Object.fromEntries(peers.map((p) => [p, {}])) });

function add(socket, room) {
  const before = others(room, socket.id);
  if (!members.has(room)) members.set(room, new Set());
  members.get(room).add(socket.id);
  socket.data.rooms.add(room);
  socket.join(ioRoom(room));
  socket.to(ioRoom(room)).emit("peer-joined", { room, id: socket.id });
  return before;
}

function remove(socket, room) {
  socket.data.rooms.delete(room);
  const set = members.get(room);
  set.delete(socket.id);
  if (set.size === 0) members.delete(room);
  socket.leave(ioRoom(room));
  socket.to(ioRoom(room)).emit("peer-left", { room, id: socket.id });
}

// join returns [error] or [null, ack result]. The first explicit join takes
// the socket out of the default room.
function join(socket, room) {
  const invalid = validateName(room);
  if (invalid) return [invalid];
  const implicit = !socket.data.explicit && socket.data.rooms.has(DEFAULT_ROOM);
  if (socket.data.rooms.has(room)) {
    socket.data.explicit = true;
    return [null, joinResult(socket.id, room, others(room, socket.id))];
  }
  const held = socket.data.rooms.size - (implicit ? 1 : 0);
  if (held >= MAX_ROOMS_PER_PEER) return [refusal("too-many-rooms", "this socket is already in the maximum number of rooms")];
  if ((members.get(room)?.size ?? 0) >= MAX_PEERS_PER_ROOM) return [refusal("room-full", `room ${room} is full`)];
  if (implicit) remove(socket, DEFAULT_ROOM);
  socket.data.explicit = true;
  return [null, joinResult(socket.id, room, add(socket, room))];
}

// roomArg reads join/leave's argument: "" for none, a name, or undefined for
// any other shape.
function roomArg(args) {
  const v = args[0];
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (isObject(v)) return v.room == null ? "" : typeof v.room === "string" ? v.room : undefined;
  return undefined;
}

function leave(socket, args, reply) {
  const room = roomArg(args);
  if (room === undefined) return reply(refusal("invalid-room", "leave takes nothing, a room name or {room}"));
  if (room === "") {
    socket.data.explicit = true;
    const left = [...socket.data.rooms].sort();
    for (const r of left) remove(socket, r);
    return reply(null, { rooms: left });
  }
  const invalid = validateName(room);
  if (invalid) return reply(invalid);
  if (!socket.data.rooms.has(room)) return reply(refusal("not-in-room", `this socket is not in room ${room}`));
  socket.data.explicit = true;
  remove(socket, room);
  reply(null, { rooms: [room] });
}

function relay(socket, event, args, reply) {
  const payload = isObject(args[0]) ? args[0] : null;
  let to = null;
  let room = null;
  if (payload && payload.to != null) {
    if (typeof payload.to !== "string" || payload.to === "") return reply(refusal("invalid-payload", '"to" must be a socket id string'));
    to = payload.to;
  }
  if (payload && payload.room != null) {
    if (typeof payload.room !== "string") return reply(refusal("invalid-payload", '"room" must be a string'));
    const invalid = validateName(payload.room);
    if (invalid) return reply(invalid);
    room = payload.room;
  }
  const mine = socket.data.rooms;
  if (mine.size === 0) return reply(refusal("not-in-room", "join a room before signaling"));
  if (room !== null && !mine.has(room)) return reply(refusal("not-in-room", `this socket is not in room ${room}`));
  const scope = room !== null ? [room] : [...mine];
  if (to !== null) {
    if (to === socket.id) return reply(refusal("invalid-payload", '"to" names the sender itself'));
    if (!scope.some((r) => members.get(r)?.has(to))) return reply(refusal("not-in-room", `peer ${to} is not in a room with this socket`));
  }
  if (payload) payload.from = socket.id;
  // socket.to never includes the sender, and sends once per socket over
  // several rooms; the socket's private room is named by its id.
  socket.to(to !== null ? to : scope.map(ioRoom)).emit(event, ...args);
  reply(null);
}

function firstString(v) {
  if (Array.isArray(v)) v = v[0];
  return typeof v === "string" ? v : "";
}

const httpServer = createServer();
const io = new Server(httpServer, {
  serveClient: false,
  allowEIO3: true,
  transports: ["polling", "websocket"],
  cors: { origin: "*" },
  connectTimeout: 5000,
  maxHttpBufferSize: 1 << 20,
});

io.on("connection", (socket) => {
  socket.data.rooms = new Set();
  socket.data.explicit = false;

  socket.onAny((event, ...args) => {
    const ack = typeof args.at(-1) === "function" ? args.pop() : null;
    const reply = (err, result) => {
      if (!ack) return;
      if (err) ack(err);
      else if (result === undefined) ack(null);
      else ack(null, result);
    };
    if (event === "join") {
      const room = roomArg(args);
      if (!room) return reply(refusal("invalid-room", "join takes a room name or {room}"));
      const [err, result] = join(socket, room);
      return reply(err, result);
    }
    if (event === "leave") return leave(socket, args, reply);
    if (RELAY_EVENTS.has(event)) return relay(socket, event, args, reply);
    reply(refusal("unknown-event", `event ${event} is neither a command nor relayed`));
  });

  socket.on("disconnect", () => {
    // socket.io has already taken the socket out of its rooms.
    const left = [...socket.data.rooms].sort();
    for (const room of left) {
      const set = members.get(room);
      set.delete(socket.id);
      if (set.size === 0) members.delete(room);
      io.to(ioRoom(room)).emit("peer-left", { room, id: socket.id });
    }
    if (left.length > 0) io.to(left.map(ioRoom)).emit("user disconnected", socket.id);
    socket.data.rooms.clear();
  });

  const asked = firstString(socket.handshake.auth?.room) || firstString(socket.handshake.query?.room);
  if (asked) {
    const [err, result] = join(socket, asked);
    if (err) socket.emit("join-error", { ...err, room: asked });
    else socket.emit("joined", result);
  } else if (DEFAULT_ROOM) {
    if ((members.get(DEFAULT_ROOM)?.size ?? 0) >= MAX_PEERS_PER_ROOM) {
      socket.emit("join-error", { ...refusal("room-full", `room ${DEFAULT_ROOM} is full`), room: DEFAULT_ROOM });
    } else {
      add(socket, DEFAULT_ROOM);
    }
  }
});

httpServer.listen(listenPort(), "127.0.0.1", () => {
  const { port } = httpServer.address();
  process.stderr.write(JSON.stringify({ msg: "listening", addr: `127.0.0.1:${port}` }) + "\n");
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    setTimeout(() => process.exit(0), 2000).unref();
    io.close(() => process.exit(0));
  });
}
