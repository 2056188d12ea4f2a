// Google's WebRTC codelab, step 5: a video call signaled through `message`
// events that the server relays within the room: the string "got user
// media", descriptions {type: "offer"|"answer", sdp}, candidates {type:
// "candidate", label, id, candidate}, and "bye" when a side leaves. The
// codelab's room is "foo"; this page takes it from ?room=. It uses
// addTrack/ontrack where the codelab used the older addStream/onaddstream.
"use strict";

var isChannelReady = false;
var isInitiator = false;
var isStarted = false;
var localStream;
var pc;

const room = new URLSearchParams(location.search).get("room");

const socket = io.connect();
window.socket = socket;

if (room !== "") {
  socket.emit("create or join", room);
  console.log("Attempted to create or join room", room);
}

socket.on("created", function (room, clientId) {
  record("created", [room, clientId]);
  isInitiator = true;
});

socket.on("full", function (room) {
  record("full", [room]);
  setState("full");
});

socket.on("join", function (room) {
  record("join", [room]);
  isChannelReady = true;
});

socket.on("joined", function (room, clientId) {
  record("joined", [room, clientId]);
  isChannelReady = true;
});

socket.on("log", function (array) {
  record("log", array);
  console.log.apply(console, array);
});

function sendMessage(message) {
  record("sent", message);
  socket.emit("message", message);
}

socket.on("message", function (message) {
  record("message", message);
  if (message === "got user media") {
    maybeStart();
  } else if (message.type === "offer") {
    if (!isInitiator && !isStarted) {
      maybeStart();
    }
    pc.setRemoteDescription({ type: message.type, sdp: message.sdp }).then(doAnswer, logError);
  } else if (message.type === "answer" && isStarted) {
    pc.setRemoteDescription({ type: message.type, sdp: message.sdp }).catch(logError);
  } else if (message.type === "candidate" && isStarted) {
    pc.addIceCandidate({ sdpMLineIndex: message.label, sdpMid: message.id, candidate: message.candidate }).catch(logError);
  } else if (message === "bye" && isStarted) {
    handleRemoteHangup();
  }
});

var localVideo = document.querySelector("#localVideo");
var remoteVideo = document.querySelector("#remoteVideo");

navigator.mediaDevices
  .getUserMedia({ audio: false, video: true })
  .then(gotStream)
  .catch(function (e) {
    logError("getUserMedia() error: " + e.name);
  });

function gotStream(stream) {
  localStream = stream;
  localVideo.srcObject = stream;
  sendMessage("got user media");
  if (isInitiator) {
    maybeStart();
  }
}

function maybeStart() {
  if (!isStarted && typeof localStream !== "undefined" && isChannelReady) {
    createPeerConnection();
    localStream.getTracks().forEach(function (track) {
      pc.addTrack(track, localStream);
    });
    isStarted = true;
    if (isInitiator) {
      doCall();
    }
  }
}

window.addEventListener("beforeunload", function () {
  sendMessage("bye");
});

function createPeerConnection() {
  pc = new RTCPeerConnection(null);
  watchCall(pc);
  pc.onicecandidate = handleIceCandidate;
  pc.ontrack = function (event) {
    remoteVideo.srcObject = event.streams[0];
  };
}

function handleIceCandidate(event) {
  if (event.candidate) {
    sendMessage({
      type: "candidate",
      label: event.candidate.sdpMLineIndex,
      id: event.candidate.sdpMid,
      candidate: event.candidate.candidate,
    });
  }
}

function doCall() {
  pc.createOffer().then(setLocalAndSendMessage, logError);
}

function doAnswer() {
  pc.createAnswer().then(setLocalAndSendMessage, logError);
}

function setLocalAndSendMessage(sessionDescription) {
  pc.setLocalDescription(sessionDescription).catch(logError);
  sendMessage({ type: sessionDescription.type, sdp: sessionDescription.sdp });
}

function handleRemoteHangup() {
  stop();
  isInitiator = false;
}

function stop() {
  isStarted = false;
  pc.close();
  pc = null;
  setState("closed"); // close() fires no connectionstatechange
}

function logError(err) {
  record("error", String(err));
}
