// Google's WebRTC codelab, step 6: photos over a DataChannel. The room is in
// the address's hash (a random one is made up when there is none); `create
// or join` it, and when the server says `ready` the first peer offers a
// DataChannel "photos". Descriptions and candidates go as `message` events;
// `ipaddr` asks the server for its addresses; `bye(room)` when leaving.
// Where the codelab reloads on `full`, this page stops and says so.
"use strict";

var configuration = null;

var video = document.querySelector("video");
var photo = document.getElementById("photo");
var photoContext = photo.getContext("2d");
var trail = document.getElementById("trail");
var snapBtn = document.getElementById("snap");
var sendBtn = document.getElementById("send");
var snapAndSendBtn = document.getElementById("snapAndSend");

var photoContextW;
var photoContextH;

snapBtn.addEventListener("click", snapPhoto);
sendBtn.addEventListener("click", sendPhoto);
snapAndSendBtn.addEventListener("click", snapAndSend);

sendBtn.disabled = true;
snapAndSendBtn.disabled = true;

var isInitiator;
var room = window.location.hash.substring(1);
if (!room) {
  room = window.location.hash = randomToken();
}

var socket = io.connect();
window.socket = socket;

socket.on("ipaddr", function (ipaddr) {
  record("ipaddr", [ipaddr]);
});

socket.on("created", function (room, clientId) {
  record("created", [room, clientId]);
  isInitiator = true;
  grabWebCamVideo();
});

socket.on("joined", function (room, clientId) {
  record("joined", [room, clientId]);
  isInitiator = false;
  createPeerConnection(isInitiator, configuration);
  grabWebCamVideo();
});

socket.on("full", function (room) {
  record("full", [room]);
  setState("full");
});

socket.on("ready", function (room) {
  record("ready", [room]);
  // The joiner made its connection on `joined`; one connection per side.
  if (!peerConn) {
    createPeerConnection(isInitiator, configuration);
  }
});

socket.on("log", function (array) {
  record("log", array);
  console.log.apply(console, array);
});

socket.on("message", function (message) {
  record("message", message);
  signalingMessageCallback(message);
});

socket.emit("create or join", room);

if (location.hostname.match(/localhost|127\.0\.0/)) {
  socket.emit("ipaddr");
}

socket.on("disconnect", function (reason) {
  record("disconnect", [reason]);
  sendBtn.disabled = true;
  snapAndSendBtn.disabled = true;
});

socket.on("bye", function (room) {
  record("bye", [room]);
  sendBtn.disabled = true;
  snapAndSendBtn.disabled = true;
});

// pagehide rather than the codelab's unload, which Chromium no longer fires.
window.addEventListener("pagehide", function () {
  socket.emit("bye", room);
});

function sendMessage(message) {
  record("sent", message);
  socket.emit("message", message);
}

function grabWebCamVideo() {
  navigator.mediaDevices
    .getUserMedia({ audio: false, video: true })
    .then(gotStream)
    .catch(function (e) {
      logError("getUserMedia() error: " + e.name);
    });
}

function gotStream(stream) {
  window.stream = stream;
  video.srcObject = stream;
  video.onloadedmetadata = function () {
    photo.width = photoContextW = video.videoWidth;
    photo.height = photoContextH = video.videoHeight;
  };
}

var peerConn;
var dataChannel;

function signalingMessageCallback(message) {
  if (message.type === "offer") {
    peerConn.setRemoteDescription({ type: message.type, sdp: message.sdp }).catch(logError);
    peerConn.createAnswer().then(onLocalSessionCreated, logError);
  } else if (message.type === "answer") {
    peerConn.setRemoteDescription({ type: message.type, sdp: message.sdp }).catch(logError);
  } else if (message.type === "candidate") {
    peerConn
      .addIceCandidate({ candidate: message.candidate, sdpMLineIndex: message.label, sdpMid: message.id })
      .catch(logError);
  }
}

function createPeerConnection(isInitiator, config) {
  peerConn = new RTCPeerConnection(config);
  watchCall(peerConn);

  peerConn.onicecandidate = function (event) {
    if (event.candidate) {
      sendMessage({
        type: "candidate",
        label: event.candidate.sdpMLineIndex,
        id: event.candidate.sdpMid,
        candidate: event.candidate.candidate,
      });
    }
  };

  if (isInitiator) {
    dataChannel = peerConn.createDataChannel("photos");
    onDataChannelCreated(dataChannel);
    peerConn
      .createOffer()
      .then(function (offer) {
        return peerConn.setLocalDescription(offer);
      })
      .then(function () {
        sendMessage(peerConn.localDescription.toJSON());
      })
      .catch(logError);
  } else {
    peerConn.ondatachannel = function (event) {
      dataChannel = event.channel;
      onDataChannelCreated(dataChannel);
    };
  }
}

function onLocalSessionCreated(desc) {
  peerConn
    .setLocalDescription(desc)
    .then(function () {
      sendMessage(peerConn.localDescription.toJSON());
    })
    .catch(logError);
}

function onDataChannelCreated(channel) {
  channel.binaryType = "arraybuffer";
  channel.onopen = function () {
    sendBtn.disabled = false;
    snapAndSendBtn.disabled = false;
  };
  channel.onclose = function () {
    sendBtn.disabled = true;
    snapAndSendBtn.disabled = true;
  };
  channel.onmessage = receiveData();
}

// receiveData collects one photo: its length as a string, then its bytes in
// chunks.
function receiveData() {
  var buf, count;
  return function onmessage(event) {
    if (typeof event.data === "string") {
      buf = new Uint8ClampedArray(parseInt(event.data));
      count = 0;
      return;
    }
    var data = new Uint8ClampedArray(event.data);
    buf.set(data, count);
    count += data.byteLength;
    if (count === buf.byteLength) {
      renderPhoto(buf);
      window.received.push("photo of " + buf.byteLength + " bytes");
      record("datachannel", "photo of " + buf.byteLength + " bytes");
    }
  };
}

function snapPhoto() {
  photoContext.drawImage(video, 0, 0, photo.width, photo.height);
}

function sendPhoto() {
  // Split data channel message in chunks of this byte length.
  var CHUNK_LEN = 64000;
  var img = photoContext.getImageData(0, 0, photoContextW, photoContextH),
    len = img.data.byteLength,
    n = (len / CHUNK_LEN) | 0;

  if (!dataChannel) {
    logError("Connection has not been initiated. Get two peers in the same room first");
    return;
  } else if (dataChannel.readyState === "closed") {
    logError("Connection was lost. Peer closed the connection.");
    return;
  }

  dataChannel.send(len);
  for (var i = 0; i < n; i++) {
    var start = i * CHUNK_LEN,
      end = (i + 1) * CHUNK_LEN;
    dataChannel.send(img.data.subarray(start, end));
  }
  if (len % CHUNK_LEN) {
    dataChannel.send(img.data.subarray(n * CHUNK_LEN));
  }
}

function snapAndSend() {
  snapPhoto();
  sendPhoto();
}

function renderPhoto(data) {
  var canvas = document.createElement("canvas");
  canvas.width = photoContextW;
  canvas.height = photoContextH;
  canvas.classList.add("incomingPhoto");
  trail.insertBefore(canvas, trail.firstChild);
  var context = canvas.getContext("2d");
  var img = context.createImageData(photoContextW, photoContextH);
  img.data.set(data);
  context.putImageData(img, 0, 0);
}

function randomToken() {
  return Math.floor((1 + Math.random()) * 1e16).toString(16).substring(1);
}

function logError(err) {
  record("error", String(err));
}
