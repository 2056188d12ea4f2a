// A SimpleWebRTC 2.2.3 page as its README shows it: the library connects to
// a signalmaster-style server, asks for the camera, and joins the room once
// readyToCall; it then calls everyone already in the room. ?room= names the
// room; ?transport=websocket skips socket.io's polling start.
"use strict";

const params = new URLSearchParams(location.search);
const room = params.get("room");
const status = document.getElementById("status");

const config = {
  url: location.origin,
  localVideoEl: "localVideo",
  remoteVideosEl: "remotesVideos",
  autoRequestMedia: true,
  media: { video: true, audio: false },
};
if (params.get("transport") === "websocket") {
  config.socketio = { transports: ["websocket"] };
}
const webrtc = new SimpleWebRTC(config);
window.webrtc = webrtc;

// The library's own socket, listened to beside it: what the server relays.
webrtc.connection.on("message", (message) => record("signaling message", message));
webrtc.connection.on("remove", (peer) => record("remove", peer));

// remotes maps a remote peer's session id to what the test reads of it.
window.remotes = {};

webrtc.on("connectionReady", (sessionId) => {
  window.selfId = sessionId;
  record("connectionReady", sessionId);
});
webrtc.on("stunservers", (servers) => record("stunservers", servers));
webrtc.on("turnservers", (servers) => record("turnservers", servers));
webrtc.on("localMediaError", (err) => record("error", "localMediaError: " + (err && err.name)));

let joined = false;
webrtc.on("readyToCall", () => {
  if (joined) {
    return;
  }
  joined = true;
  webrtc.joinRoom(room, (err, roomDescription) => {
    record("join", { err: err, roomDescription: roomDescription });
    window.ready = !err;
    status.textContent = err ? "Could not join: " + err : "In room " + room;
  });
});

webrtc.on("videoAdded", (video, peer) => {
  record("videoAdded", peer.id);
  const rtc = peer.pc.pc.peerconnection; // the browser's RTCPeerConnection
  const remote = { video: video, state: rtc.connectionState };
  window.remotes[peer.id] = remote;
  rtc.addEventListener("connectionstatechange", () => {
    remote.state = rtc.connectionState;
    record("state " + peer.id, rtc.connectionState);
    setState(rtc.connectionState);
  });
});
webrtc.on("videoRemoved", (video, peer) => {
  record("videoRemoved", peer && peer.id);
  if (peer) {
    delete window.remotes[peer.id];
  }
});
