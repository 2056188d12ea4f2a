// Google's WebRTC codelab, step 4 (signaling only): io.connect() to the
// page's own server, then `create or join` a room. The first in a room hears
// `created`, the second `joined`, a third `full`; the server also sends `log`
// lines for the console. The codelab prompts for the room; this page takes
// it from ?room=.
"use strict";

var isInitiator;

const room = new URLSearchParams(location.search).get("room");
const status = document.getElementById("status");

const socket = io.connect();
window.socket = socket;

if (room !== "") {
  console.log("Message from client: Asking to join room " + room);
  socket.emit("create or join", room);
}

socket.on("created", function (room, clientId) {
  record("created", [room, clientId]);
  isInitiator = true;
  setState("created");
  status.textContent = "Created room " + room;
});

socket.on("full", function (room) {
  record("full", [room]);
  console.log("Message from client: Room " + room + " is full :^(");
  setState("full");
  status.textContent = "Room " + room + " is full";
});

socket.on("ipaddr", function (ipaddr) {
  record("ipaddr", [ipaddr]);
  console.log("Message from client: Server IP address is " + ipaddr);
});

socket.on("joined", function (room, clientId) {
  record("joined", [room, clientId]);
  isInitiator = false;
  setState("joined");
  status.textContent = "Joined room " + room;
});

socket.on("log", function (array) {
  record("log", array);
  console.log.apply(console, array);
});

// Step 4 acts on nothing else; these are logged for the test, which checks
// that the first in the room hears of the second and both are told to start.
socket.on("join", function (room) {
  record("join", [room]);
});
socket.on("ready", function (room) {
  record("ready", [room]);
});
