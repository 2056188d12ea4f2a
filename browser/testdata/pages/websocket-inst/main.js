// A raw WebSocket signaling page: each frame is an instruction. {inst:
// "init", id} names this page; {inst: "send", peerId, message} asks the
// server to hand `message` to that peer, which receives it as the whole frame.
// A refusal comes as {inst: "error", code, message}. The call is a
// DataChannel. Who is who comes from ?id= and ?peer=.
"use strict";

const params = new URLSearchParams(location.search);
const room = params.get("room");
const id = params.get("id");
const peerId = params.get("peer");
document.getElementById("self").textContent = id;
document.getElementById("peer").textContent = peerId;

const callButton = document.getElementById("call");
const log = document.getElementById("log");
const status = document.getElementById("status");

const ws = new WebSocket("ws://" + location.hostname + ":" + location.port + "/?room=" + encodeURIComponent(room));
window.ws = ws;

let pc;
let channel;

function send(message) {
  record("sent", message);
  ws.send(JSON.stringify({ inst: "send", peerId: peerId, message: message }));
}

function show(line) {
  const li = document.createElement("li");
  li.textContent = line;
  log.appendChild(li);
}

function openChannel(dc) {
  channel = dc;
  watchChannel(dc);
  dc.addEventListener("message", (e) => show(peerId + ": " + e.data));
  dc.addEventListener("open", () => {
    const hello = "hello from " + id + " in " + room;
    dc.send(hello);
    show("me: " + hello);
  });
}

function createPeerConnection() {
  pc = new RTCPeerConnection();
  watchCall(pc);
  pc.onicecandidate = (event) => {
    if (event.candidate) {
      send({ type: "candidate", candidate: event.candidate.toJSON() });
    }
  };
  pc.ondatachannel = (event) => openChannel(event.channel);
  callButton.disabled = true;
}

async function call() {
  createPeerConnection();
  openChannel(pc.createDataChannel("chat"));
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: "offer", sdp: pc.localDescription.sdp });
}

async function onFrame(msg) {
  record("frame", msg);
  if (msg.inst === "error") {
    window.refusal = { code: msg.code, message: msg.message };
    setState("refused");
    window.ready = false;
    status.textContent = "Refused: " + msg.message;
    callButton.disabled = true;
  } else if (msg.type === "offer") {
    createPeerConnection();
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: "answer", sdp: pc.localDescription.sdp });
  } else if (msg.type === "answer" && pc) {
    await pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
  } else if (msg.type === "candidate" && pc) {
    await pc.addIceCandidate(msg.candidate);
  }
}

ws.onopen = () => {
  const init = { inst: "init", id: id };
  record("sent", init);
  ws.send(JSON.stringify(init));
  status.textContent = "Connected as " + id;
  callButton.disabled = false;
  window.ready = window.state !== "refused";
};
ws.onmessage = (event) => {
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch (err) {
    record("error", "not JSON: " + event.data);
    return;
  }
  onFrame(msg).catch((err) => record("error", String(err)));
};
ws.onclose = (event) => {
  record("close", { code: event.code, reason: event.reason });
  window.ready = false;
  status.textContent = "Disconnected";
};

callButton.addEventListener("click", () => {
  call().catch((err) => record("error", String(err)));
});
