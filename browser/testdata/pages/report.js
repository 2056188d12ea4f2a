// What every test page shows the browser tests, next to its own code:
//   window.ready    the page is connected to its server and has its media:
//                   a call placed now reaches it
//   window.state    "new", then the call's RTCPeerConnection.connectionState,
//                   or what the server answered instead ("full", "refused")
//   window.events   every signaling event received or sent, as [name, payload]
//   window.received the messages that arrived over a DataChannel
// The page's own signaling code stays as in the tutorial it stands for.
"use strict";

window.ready = false;
window.state = "new";
window.events = [];
window.received = [];

// longText is where record shortens strings (SDPs, candidates), so that a
// failed test's page dump stays readable.
const longText = 120;

function shorten(value) {
  if (typeof value === "string" && value.length > longText) {
    return value.slice(0, longText) + "…";
  }
  if (Array.isArray(value)) {
    return value.map(shorten);
  }
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = shorten(v);
    }
    return out;
  }
  return value;
}

// record logs one event; payload is copied as JSON, so a description or a
// candidate is logged as what went over the wire.
function record(name, payload) {
  const copy = payload === undefined ? null : JSON.parse(JSON.stringify(payload));
  window.events.push([name, shorten(copy)]);
}

function setState(state) {
  window.state = state;
  record("state", state);
}

// watchCall mirrors a peer connection's state into window.state.
function watchCall(pc) {
  setState(pc.connectionState);
  pc.addEventListener("connectionstatechange", () => setState(pc.connectionState));
}

// watchChannel records what arrives over a DataChannel.
function watchChannel(channel) {
  channel.addEventListener("message", (e) => {
    window.received.push(e.data);
    record("datachannel", e.data);
  });
}
