// The classic raw WebSocket tutorial: log in under a name, then call another
// name. Every message is {type, ...}; the server forwards offer, answer,
// candidate and leave to the user named in `name`, and sends `leave` to the
// partner of one who disconnects. The page's name and whom it calls come
// from ?name= and ?peer= instead of text fields.
"use strict";

const params = new URLSearchParams(location.search);
const room = params.get("room");
const name = params.get("name");
const callee = params.get("peer");
document.getElementById("self").textContent = name;
document.getElementById("peer").textContent = callee;

const localVideo = document.getElementById("localVideo");
const remoteVideo = document.getElementById("remoteVideo");
const callButton = document.getElementById("call");
const hangupButton = document.getElementById("hangup");
const status = document.getElementById("status");

const conn = new WebSocket("ws://" + location.hostname + ":" + location.port + "/?room=" + encodeURIComponent(room));
window.conn = conn;

let connectedUser;
let yourConn;
let stream;

function send(message) {
  // As in the tutorial: a message goes to whoever we are talking to.
  if (connectedUser) {
    message.name = connectedUser;
  }
  record("sent", message);
  conn.send(JSON.stringify(message));
}
window.send = send;

conn.onopen = () => {
  status.textContent = "Connected to the signaling server";
  send({ type: "login", name: name });
};

conn.onmessage = (msg) => {
  const data = JSON.parse(msg.data);
  record("received", data);
  const handled = {
    login: () => handleLogin(data.success),
    offer: () => handleOffer(data.offer, data.name),
    answer: () => handleAnswer(data.answer),
    candidate: () => handleCandidate(data.candidate),
    leave: () => handleLeave(),
  }[data.type];
  if (handled) {
    Promise.resolve(handled()).catch((err) => record("error", String(err)));
  }
};

conn.onclose = () => {
  window.ready = false;
  status.textContent = "Disconnected";
};

async function handleLogin(success) {
  if (success === false) {
    setState("refused");
    status.textContent = "That name is taken; try another.";
    return;
  }
  stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  localVideo.srcObject = stream;
  yourConn = new RTCPeerConnection();
  watchCall(yourConn);
  stream.getTracks().forEach((track) => yourConn.addTrack(track, stream));
  yourConn.ontrack = (e) => {
    remoteVideo.srcObject = e.streams[0];
  };
  yourConn.onicecandidate = (event) => {
    if (event.candidate) {
      send({ type: "candidate", candidate: event.candidate.toJSON() });
    }
  };
  callButton.disabled = false;
  status.textContent = "Logged in as " + name;
  window.ready = true;
}

async function call() {
  connectedUser = callee;
  const offer = await yourConn.createOffer();
  await yourConn.setLocalDescription(offer);
  send({ type: "offer", offer: yourConn.localDescription.toJSON() });
  callButton.disabled = true;
  hangupButton.disabled = false;
}

async function handleOffer(offer, from) {
  connectedUser = from;
  await yourConn.setRemoteDescription(offer);
  const answer = await yourConn.createAnswer();
  await yourConn.setLocalDescription(answer);
  send({ type: "answer", answer: yourConn.localDescription.toJSON() });
  callButton.disabled = true;
  hangupButton.disabled = false;
}

async function handleAnswer(answer) {
  await yourConn.setRemoteDescription(answer);
}

async function handleCandidate(candidate) {
  await yourConn.addIceCandidate(candidate);
}

function handleLeave() {
  connectedUser = null;
  remoteVideo.srcObject = null;
  yourConn.close();
  yourConn.onicecandidate = null;
  yourConn.ontrack = null;
  setState("closed"); // close() fires no connectionstatechange
  hangupButton.disabled = true;
  status.textContent = "The call has ended";
}

callButton.addEventListener("click", () => {
  call().catch((err) => record("error", String(err)));
});
hangupButton.addEventListener("click", () => {
  send({ type: "leave" });
  handleLeave();
});
