// A minimal roomcast page: join ?room= and list who else is there.
"use strict";

const params = new URLSearchParams(location.search);
const room = params.get("room");
const $ = (id) => document.getElementById(id);

if (!room) {
  $("lobby").hidden = false;
} else {
  $("room").hidden = false;
  $("room-title").textContent = room;
  const peers = new Set();
  const render = () => {
    $("peers").replaceChildren(...[...peers].sort().map((id) => {
      const li = document.createElement("li");
      li.dataset.peerId = id;
      li.textContent = id;
      return li;
    }));
  };
  const socket = io({ auth: { room } });
  socket.on("connect", () => { $("self-id").textContent = socket.id; });
  socket.on("joined", (j) => {
    peers.clear();
    j.peers.forEach((id) => peers.add(id));
    $("status").textContent = "Joined.";
    render();
  });
  socket.on("join-error", (e) => { $("status").textContent = `Cannot join: ${e.message}`; });
  socket.on("peer-joined", (p) => { if (p.room === room) { peers.add(p.id); render(); } });
  socket.on("peer-left", (p) => { if (p.room === room) { peers.delete(p.id); render(); } });
  socket.on("disconnect", () => { peers.clear(); render(); $("status").textContent = "Reconnecting…"; });
}
