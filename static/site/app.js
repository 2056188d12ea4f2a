// roomcast's page: a full-mesh video call in the room named by ?room=,
// signaled through roomcast's socket.io relay (docs/protocol.md).
//
// Who offers: only the newcomer. On `joined` it calls every peer already in
// the room; the others wait for its offer. One side offering per pair means
// no offer collisions ("glare") to resolve.
"use strict";

const $ = (id) => document.getElementById(id);

// The chat channel's label; both sides of every pair use the same one.
const CHAT_LABEL = "chat";

// Tried in order: someone with a microphone but no camera (or the reverse)
// still joins with what they have. A refused permission is not retried.
const MEDIA_CHOICES = [
  { audio: true, video: true },
  { audio: true },
  { video: true },
];

const params = new URLSearchParams(location.search);

const state = {
  room: params.get("room"),
  socket: null,
  selfId: null,
  localStream: null, // null: no camera or microphone, data channel only
  // From `joined`, then from every `ice-servers` the server sends before
  // TURN credentials expire; loopback and LAN calls need none. Each new
  // connection takes the latest.
  iceServers: [],
  // ?ice=relay sends every call through the TURN servers, to check that
  // they work: no direct or STUN-found path is tried.
  iceTransportPolicy: params.get("ice") === "relay" ? "relay" : "all",
  peers: new Map(), // remote socket id → {id, pc, tile, channel, outbox, remoteSet, queued}
  orphanCandidates: new Map(), // id → candidates that came before any offer of theirs
  hungUp: false,
};

// For the browser console and the browser tests: the live socket and state.
window.roomcast = {
  get socket() { return state.socket; },
  state,
};

if (state.room) {
  startCall();
} else {
  showLobby();
}

// ---------------------------------------------------------------- lobby

function showLobby() {
  $("lobby").hidden = false;
  $("lobby-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("room-name").value.trim() || randomRoomName();
    location.search = "?room=" + encodeURIComponent(name);
  });
  $("room-name").focus();
}

// crypto.getRandomValues, unlike crypto.randomUUID, also works on plain http
// pages outside localhost, where people run roomcast on a LAN.
function randomRoomName() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return "room-" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ----------------------------------------------------------------- call

async function startCall() {
  $("call").hidden = false;
  $("room-heading").hidden = false;
  $("invite").hidden = false;
  $("room-title").textContent = state.room;
  document.title = `${state.room} · roomcast`;
  $("invite-link").value = inviteLink();
  wireControls();
  await startLocalMedia();
  connect();
}

function inviteLink() {
  return `${location.origin}${location.pathname}?room=${encodeURIComponent(state.room)}`;
}

function wireControls() {
  $("copy-invite").addEventListener("click", copyInvite);
  $("toggle-mic").addEventListener("click", () => toggleTrack("audio", "toggle-mic", "Mute mic", "Unmute mic"));
  $("toggle-camera").addEventListener("click", () => toggleTrack("video", "toggle-camera", "Camera off", "Camera on"));
  $("hangup").addEventListener("click", hangUp);
  $("rejoin").addEventListener("click", rejoin);
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendChat($("chat-input").value.trim());
  });
}

// navigator.clipboard exists only on secure pages (https, localhost); on a
// LAN address over http the fallback selects the link for Ctrl+C.
async function copyInvite() {
  const input = $("invite-link");
  try {
    await navigator.clipboard.writeText(input.value);
    setStatus("Invite link copied.");
  } catch {
    input.focus();
    input.select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch { /* unsupported: the selection stays */ }
    setStatus(copied ? "Invite link copied." : "Invite link selected: press Ctrl+C to copy it.");
  }
}

// ---------------------------------------------------------------- media

async function startLocalMedia() {
  state.localStream = null;
  let reason = "this browser gives the page no camera access";
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    setStatus("Asking for camera and microphone…");
    for (const constraints of MEDIA_CHOICES) {
      try {
        state.localStream = await navigator.mediaDevices.getUserMedia(constraints);
        break;
      } catch (err) {
        reason = describeMediaError(err);
        if (err.name === "NotAllowedError" || err.name === "SecurityError") break;
      }
    }
  }
  showLocalMedia(reason);
}

function describeMediaError(err) {
  switch (err.name) {
    case "NotAllowedError": return "permission was denied";
    case "NotFoundError": return "none was found";
    case "NotReadableError": return "the device is in use by another program";
    default: return err.message || err.name;
  }
}

function showLocalMedia(reason) {
  const stream = state.localStream;
  const video = $("self-video");
  video.srcObject = stream;
  $("self-tile").classList.toggle("has-video", !!stream && stream.getVideoTracks().length > 0);
  setButton("toggle-mic", false, "Mute mic", !hasTrack("audio"));
  setButton("toggle-camera", false, "Camera off", !hasTrack("video"));
  const notice = $("media-notice");
  if (stream) {
    notice.hidden = true;
    notice.textContent = "";
  } else {
    notice.hidden = false;
    notice.textContent = `No camera or microphone (${reason}): text chat only.`;
  }
}

function hasTrack(kind) {
  return !!state.localStream && state.localStream.getTracks().some((t) => t.kind === kind);
}

function stopLocalMedia() {
  if (state.localStream) state.localStream.getTracks().forEach((t) => t.stop());
  state.localStream = null;
  $("self-video").srcObject = null;
  $("self-tile").classList.remove("has-video");
  setButton("toggle-mic", false, "Mute mic", true);
  setButton("toggle-camera", false, "Camera off", true);
}

// Disabling a track (rather than removing it) keeps the connections as they
// are: the others get silence or black frames, and no renegotiation is needed.
function toggleTrack(kind, buttonId, onLabel, offLabel) {
  const tracks = state.localStream ? state.localStream.getTracks().filter((t) => t.kind === kind) : [];
  if (!tracks.length) return;
  const turnOff = tracks[0].enabled;
  tracks.forEach((t) => { t.enabled = !turnOff; });
  setButton(buttonId, turnOff, turnOff ? offLabel : onLabel, false);
  if (kind === "video") $("self-tile").classList.toggle("has-video", !turnOff);
}

// The label says what a click does ("Unmute mic"); screen readers read
// that, so no aria-pressed on top, which would contradict it.
function setButton(id, off, label, disabled) {
  const button = $(id);
  button.textContent = label;
  button.classList.toggle("off", off);
  button.disabled = disabled;
}

// ------------------------------------------------------------ signaling

function connect() {
  if (typeof io !== "function") {
    // A binary built without the client bundle answers its URL with 404.
    setStatus("The socket.io client did not load from /socket.io/socket.io.js: see the server's log.");
    return;
  }
  setStatus("Connecting to the server…");
  const socket = io({ auth: { room: state.room } });
  state.socket = socket;
  socket.on("joined", (j) => run(onJoined(j)));
  socket.on("join-error", onJoinError);
  socket.on("ice-servers", (m) => { if (m && Array.isArray(m.iceServers)) state.iceServers = m.iceServers; });
  socket.on("peer-joined", onPeerJoined);
  socket.on("peer-left", (m) => { if (m && m.room === state.room) dropPeer(m.id, "left"); });
  socket.on("hangup", (m) => { if (m && m.from) dropPeer(m.from, "hung up"); });
  socket.on("offer", (m) => run(onOffer(m)));
  socket.on("answer", (m) => run(onAnswer(m)));
  socket.on("ice", (m) => run(onIce(m)));
  socket.on("disconnect", onDisconnect);
  socket.on("connect_error", () => {
    if (!state.hungUp) setStatus("Cannot reach the server: retrying…");
  });
}

// run reports a failed signaling step instead of leaving an unhandled
// rejection: one broken peer must not stop the page.
function run(promise) {
  promise.catch((err) => {
    console.error(err);
    setStatus(`Call setup failed: ${err.message || err}`);
  });
}

function send(event, payload) {
  if (state.socket) state.socket.emit(event, payload);
}

// `joined` also arrives after every automatic reconnect, with a new id. The
// others have already dropped our old id, so every old connection is dead:
// close them all and call everyone again as a newcomer.
async function onJoined(j) {
  if (!j || j.room !== state.room) return;
  closeAllPeers();
  state.selfId = j.id;
  state.iceServers = Array.isArray(j.iceServers) ? j.iceServers : [];
  $("self-id").textContent = shortId(j.id);
  $("hangup").disabled = false;
  $("rejoin").hidden = true;
  const others = Array.isArray(j.peers) ? j.peers : [];
  setStatus(others.length
    ? `Joined. Calling ${plural(others.length, "person", "people")}…`
    : "Joined. Nobody else is here yet: share the invite link.");
  await Promise.all(others.map((id) => callPeer(id).catch((err) => {
    console.error(err);
    setStatus(`Could not call ${peerLabel(id)}: ${err.message || err}`);
  })));
}

function onJoinError(e) {
  const why = (e && e.message) || "refused";
  setStatus(`Cannot join room "${state.room}": ${why}${e && e.code ? ` (${e.code})` : ""}.`);
  $("hangup").disabled = true;
  $("rejoin").hidden = false;
}

// The newcomer will offer; only say hello here.
function onPeerJoined(m) {
  if (m && m.room === state.room) setStatus(`${peerLabel(m.id)} joined.`);
}

function onDisconnect(reason) {
  if (state.hungUp) return;
  // socket.io retries by itself except when the server ended the session.
  if (reason === "io server disconnect") {
    closeAllPeers();
    setStatus("The server closed the connection.");
    $("rejoin").hidden = false;
    $("hangup").disabled = true;
  } else {
    setStatus("Lost the server: reconnecting…");
  }
}

function hangUp() {
  state.hungUp = true;
  closeAllPeers();
  send("hangup", { room: state.room });
  // socket.io writes the hangup before the disconnect packet.
  if (state.socket) state.socket.disconnect();
  stopLocalMedia();
  $("hangup").disabled = true;
  $("rejoin").hidden = false;
  $("rejoin").focus();
  setStatus("You left the call.");
}

async function rejoin() {
  state.hungUp = false;
  $("rejoin").hidden = true;
  if (!state.localStream) await startLocalMedia();
  if (!state.socket) return connect();
  // After a join-error the socket is still up; start over with a fresh one.
  if (state.socket.connected) state.socket.disconnect();
  setStatus("Connecting to the server…");
  state.socket.connect();
}

// ---------------------------------------------------------------- peers

// callPeer is the newcomer's side of one pair.
async function callPeer(id) {
  const peer = createPeer(id);
  // The offerer creates the chat channel; the answerer gets it in ondatachannel.
  attachChannel(peer, peer.pc.createDataChannel(CHAT_LABEL));
  addLocalMedia(peer.pc);
  if (!state.localStream) {
    // Without our own media the offer would have no audio or video section,
    // and we could not see or hear the others: ask to receive both.
    peer.pc.addTransceiver("audio", { direction: "recvonly" });
    peer.pc.addTransceiver("video", { direction: "recvonly" });
  }
  await unlessDropped(peer, async () => {
    await peer.pc.setLocalDescription(await peer.pc.createOffer());
    send("offer", { to: id, sdp: peer.pc.localDescription });
  });
}

async function onOffer(m) {
  if (!m || !m.from || !m.sdp) return;
  // Ids are per connection, so a second offer from one id means that side
  // started over: replace the connection rather than renegotiate.
  if (state.peers.has(m.from)) dropPeer(m.from);
  const peer = createPeer(m.from);
  await unlessDropped(peer, async () => {
    await setRemote(peer, description("offer", m.sdp));
    // Added after the offer is applied, so our tracks reuse its transceivers.
    addLocalMedia(peer.pc);
    await peer.pc.setLocalDescription(await peer.pc.createAnswer());
    send("answer", { to: m.from, sdp: peer.pc.localDescription });
  });
}

async function onAnswer(m) {
  const peer = m && state.peers.get(m.from);
  if (!peer || !m.sdp || peer.pc.signalingState !== "have-local-offer") return;
  await unlessDropped(peer, () => setRemote(peer, description("answer", m.sdp)));
}

// unlessDropped runs one signaling step. The peer may leave (or we may
// reconnect) while it runs, closing the connection under it: that failure
// is expected and silent; any other is reported.
async function unlessDropped(peer, step) {
  try {
    await step();
  } catch (err) {
    if (state.peers.get(peer.id) === peer) throw err;
  }
}

// Candidates may arrive before the remote description they belong to is
// set (the offer or answer is still being applied): queue them, never drop.
async function onIce(m) {
  if (!m || !m.from || !m.candidate) return;
  const peer = state.peers.get(m.from);
  if (!peer) {
    const queue = state.orphanCandidates.get(m.from) || [];
    queue.push(m.candidate);
    state.orphanCandidates.set(m.from, queue);
  } else if (!peer.remoteSet) {
    peer.queued.push(m.candidate);
  } else {
    await unlessDropped(peer, () => peer.pc.addIceCandidate(m.candidate));
  }
}

async function setRemote(peer, desc) {
  await peer.pc.setRemoteDescription(desc);
  peer.remoteSet = true;
  const queued = peer.queued.splice(0);
  for (const candidate of queued) await peer.pc.addIceCandidate(candidate);
}

// Accepts {type, sdp} (what this page sends) and a bare SDP string (what some
// tutorial pages send).
function description(type, sdp) {
  return typeof sdp === "string" ? { type, sdp } : sdp;
}

function createPeer(id) {
  const pc = new RTCPeerConnection({ iceServers: state.iceServers, iceTransportPolicy: state.iceTransportPolicy });
  const peer = {
    id,
    pc,
    tile: createTile(id),
    channel: null,
    outbox: [], // chat lines waiting for the channel to open
    remoteSet: false,
    queued: state.orphanCandidates.get(id) || [],
    iceErrors: [], // what STUN and TURN servers refused, for the console
  };
  state.orphanCandidates.delete(id);
  state.peers.set(id, peer);
  pc.onicecandidate = (e) => {
    if (e.candidate) send("ice", { to: id, candidate: e.candidate.toJSON() });
  };
  // A TURN server that refuses the credentials answers 401; a call that
  // then fails says why in the console.
  pc.onicecandidateerror = (e) => {
    peer.iceErrors.push({ url: e.url, errorCode: e.errorCode, errorText: e.errorText });
    console.warn(`ICE server ${e.url}: ${e.errorCode} ${e.errorText}`);
    // With ?ice=relay there is no other way: say so at once.
    if (e.errorCode === 401 && state.iceTransportPolicy === "relay") {
      setStatus("The TURN server refused the credentials: no call can connect with ?ice=relay.");
    }
  };
  pc.ontrack = (e) => showRemoteTrack(peer, e);
  pc.onconnectionstatechange = () => showState(peer);
  pc.ondatachannel = (e) => { if (e.channel.label === CHAT_LABEL) attachChannel(peer, e.channel); };
  return peer;
}

function addLocalMedia(pc) {
  const stream = state.localStream;
  if (stream) stream.getTracks().forEach((track) => pc.addTrack(track, stream));
}

function dropPeer(id, why) {
  state.orphanCandidates.delete(id);
  const peer = state.peers.get(id);
  if (!peer) return;
  state.peers.delete(id);
  peer.pc.close(); // also closes its data channel
  peer.tile.remove();
  if (why) setStatus(`${peerLabel(id)} ${why}.`);
}

function closeAllPeers() {
  [...state.peers.keys()].forEach((id) => dropPeer(id));
  state.orphanCandidates.clear();
}

// ---------------------------------------------------------------- tiles

function createTile(id) {
  const tile = $("tile-template").content.firstElementChild.cloneNode(true);
  tile.dataset.peerId = id;
  tile.dataset.state = "new";
  tile.querySelector(".name").textContent = peerLabel(id);
  $("tiles").append(tile);
  return tile;
}

// data-state mirrors connectionState: people read the caption, tests read
// the attribute.
function showState(peer) {
  const s = peer.pc.connectionState;
  peer.tile.dataset.state = s;
  peer.tile.querySelector(".state").textContent = s;
  if (s === "connected") setStatus(callSummary());
  if (s === "failed") {
    const refused = peer.iceErrors.some((e) => e.errorCode === 401);
    setStatus(`The connection to ${peerLabel(peer.id)} failed${refused ? ": the TURN server refused its credentials" : ""}.`);
  }
}

function callSummary() {
  const all = [...state.peers.values()];
  const up = all.filter((p) => p.pc.connectionState === "connected").length;
  return up === all.length
    ? `In the call with ${plural(all.length, "person", "people")}.`
    : `Connected to ${up} of ${all.length} people…`;
}

function showRemoteTrack(peer, event) {
  const video = peer.tile.querySelector("video");
  // A sender without a stream (some pages add bare tracks) still plays.
  let stream = event.streams[0];
  if (!stream) {
    stream = video.srcObject || new MediaStream();
    stream.addTrack(event.track);
  }
  if (video.srcObject !== stream) video.srcObject = stream;
  if (event.track.kind === "video") peer.tile.classList.add("has-video");
  playWithSound(video);
}

// Browsers may refuse to autoplay sound before the person interacted with
// the page (Chrome allows it once the camera is shared). Then play muted and
// turn the sound on at the first click or key press.
function playWithSound(video) {
  video.play().catch(() => {
    video.muted = true;
    video.play().catch(() => { /* no frames yet; autoplay retries */ });
    setStatus("The browser blocked sound: click or press a key to hear the others.");
    const unmute = () => {
      document.querySelectorAll("[data-peer-id] video").forEach((v) => { v.muted = false; });
    };
    document.addEventListener("click", unmute, { once: true });
    document.addEventListener("keydown", unmute, { once: true });
  });
}

// ----------------------------------------------------------------- chat

function attachChannel(peer, channel) {
  peer.channel = channel;
  channel.onmessage = (e) => receiveChat(peer, e.data);
  channel.onopen = () => flushOutbox(peer);
  if (channel.readyState === "open") flushOutbox(peer);
}

// Lines typed while a peer's channel is still opening (it opens just after
// the connection, and the answerer learns of it only then) wait here.
function flushOutbox(peer) {
  peer.outbox.splice(0).forEach((data) => peer.channel.send(data));
}

function receiveChat(peer, data) {
  let text;
  try {
    text = JSON.parse(data).text;
  } catch {
    text = String(data); // a plain-string sender
  }
  if (typeof text === "string" && text) appendChat(peerLabel(peer.id), text, false);
}

function sendChat(text) {
  if (!text) return;
  const reachable = [...state.peers.values()].filter((p) => !["failed", "closed"].includes(p.pc.connectionState));
  if (!reachable.length) {
    setStatus("Nobody else is in the call: the message was not sent.");
    return;
  }
  const data = JSON.stringify({ text });
  reachable.forEach((p) => {
    if (p.channel && p.channel.readyState === "open") p.channel.send(data);
    else p.outbox.push(data);
  });
  appendChat("You", text, true);
  $("chat-input").value = "";
}

function appendChat(sender, text, own) {
  const line = document.createElement("li");
  line.className = own ? "own" : "";
  const who = document.createElement("strong");
  who.textContent = sender + ": ";
  line.append(who, document.createTextNode(text)); // text, never HTML
  const log = $("chat-log");
  log.append(line);
  log.scrollTop = log.scrollHeight;
}

// -------------------------------------------------------------- helpers

function setStatus(text) {
  $("status").textContent = text;
}

function shortId(id) {
  return String(id).slice(0, 6);
}

function peerLabel(id) {
  return `Peer ${shortId(id)}`;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
