// The common socket.io tutorial: one event per signaling step (offer,
// answer, ice, hangup), broadcast by the server to the others in the room.
// The room is in the server's address.
"use strict";

const room = new URLSearchParams(location.search).get("room");
const socket = io(location.origin + "/?room=" + encodeURIComponent(room));
window.socket = socket;

const localVideo = document.getElementById("localVideo");
const remoteVideo = document.getElementById("remoteVideo");
const callButton = document.getElementById("call");
const hangupButton = document.getElementById("hangup");
const status = document.getElementById("status");

let localStream;
let pc;

function updateReady() {
  window.ready = socket.connected && localStream !== undefined;
}

function say(text) {
  status.textContent = text;
}

function emit(event, payload) {
  record("sent " + event, payload);
  if (payload === undefined) {
    socket.emit(event);
  } else {
    socket.emit(event, payload);
  }
}

function createPeerConnection() {
  pc = new RTCPeerConnection();
  watchCall(pc);
  pc.onicecandidate = (event) => {
    if (event.candidate) {
      emit("ice", event.candidate.toJSON());
    }
  };
  pc.ontrack = (event) => {
    remoteVideo.srcObject = event.streams[0];
  };
  localStream.getTracks().forEach((track) => pc.addTrack(track, localStream));
  callButton.disabled = true;
  hangupButton.disabled = false;
}

function endCall() {
  if (pc) {
    pc.close();
    pc = undefined;
    setState("closed"); // close() fires no connectionstatechange
  }
  hangupButton.disabled = true;
  callButton.disabled = localStream === undefined;
}

async function call() {
  createPeerConnection();
  await pc.setLocalDescription(await pc.createOffer());
  emit("offer", pc.localDescription.toJSON());
  say("Calling…");
}

socket.on("connect", () => {
  record("connect", socket.id);
  say("Connected to the server");
  updateReady();
});
socket.on("disconnect", updateReady);

// on is socket.on for async handlers: a failure is recorded, not lost.
function on(event, handler) {
  socket.on(event, (...args) => {
    Promise.resolve(handler(...args)).catch((err) => record("error", String(err)));
  });
}

on("offer", async (offer) => {
  record("offer", offer);
  createPeerConnection();
  await pc.setRemoteDescription({ type: offer.type, sdp: offer.sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  emit("answer", pc.localDescription.toJSON());
  say("Answered a call");
});
on("answer", async (answer) => {
  record("answer", answer);
  if (pc) {
    await pc.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
  }
});
on("ice", async (candidate) => {
  record("ice", candidate);
  if (pc) {
    await pc.addIceCandidate(candidate);
  }
});
on("hangup", () => {
  record("hangup");
  endCall();
  say("The other side hung up");
});

callButton.addEventListener("click", () => {
  call().catch((err) => record("error", String(err)));
});
hangupButton.addEventListener("click", () => {
  emit("hangup");
  endCall();
  say("Hung up");
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
