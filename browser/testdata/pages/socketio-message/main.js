// A socket.io 0.9-2.x era tutorial: everything goes through the `message`
// event with socket.json.send, to everyone else the server puts in the room;
// `user disconnected` says who left. The room is in the server's address.
"use strict";

const room = new URLSearchParams(location.search).get("room");
const socket = io.connect(location.origin + "/?room=" + encodeURIComponent(room));
window.socket = socket;

const localVideo = document.getElementById("localVideo");
const remoteVideo = document.getElementById("remoteVideo");
const callButton = document.getElementById("call");
const status = document.getElementById("status");

let localStream;
let pc;
let peerId; // the socket id of the other side, from the messages' `from`

function updateReady() {
  window.ready = socket.connected && localStream !== undefined;
}

function say(text) {
  status.textContent = text;
}

function send(message) {
  record("sent", message);
  socket.json.send(message);
}

function createPeerConnection() {
  pc = new RTCPeerConnection(null);
  watchCall(pc);
  pc.onicecandidate = (event) => {
    if (event.candidate) {
      send({ type: "candidate", candidate: event.candidate.toJSON() });
    }
  };
  pc.ontrack = (event) => {
    remoteVideo.srcObject = event.streams[0];
  };
  localStream.getTracks().forEach((track) => pc.addTrack(track, localStream));
}

async function call() {
  callButton.disabled = true;
  createPeerConnection();
  await pc.setLocalDescription(await pc.createOffer());
  send(pc.localDescription.toJSON());
  say("Calling…");
}

async function onMessage(message) {
  record("message", message);
  if (message.from) {
    peerId = message.from;
  }
  if (message.type === "offer") {
    callButton.disabled = true;
    createPeerConnection();
    await pc.setRemoteDescription({ type: message.type, sdp: message.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    send(pc.localDescription.toJSON());
    say("Answered a call");
  } else if (message.type === "answer" && pc) {
    await pc.setRemoteDescription({ type: message.type, sdp: message.sdp });
  } else if (message.type === "candidate" && pc) {
    await pc.addIceCandidate(message.candidate);
  }
}

socket.on("connect", () => {
  record("connect", socket.id);
  say("Connected to the server");
  updateReady();
});
socket.on("disconnect", updateReady);
socket.on("message", (message) => {
  onMessage(message).catch((err) => record("error", String(err)));
});
socket.on("user disconnected", (id) => {
  record("user disconnected", id);
  if (pc && id === peerId) {
    pc.close();
    setState("closed"); // close() fires no connectionstatechange
    say("The other side left");
  }
});

callButton.addEventListener("click", () => {
  call().catch((err) => record("error", String(err)));
});

navigator.mediaDevices
  .getUserMedia({ audio: false, video: true })
  .then((stream) => {
    localStream = stream;
    localVideo.srcObject = stream;
    callButton.disabled = false;
    updateReady();
  })
  .catch((err) => record("error", "getUserMedia: " + err.name));
