// Preloaded into the Agents Playground (NODE_OPTIONS=--require <this file>) by `make playground`
// (playground/run.py) and the e2e fixtures (tests/e2e/playground.py).
// The Playground calls server.listen(port) with no host, which binds every interface. This makes
// every TCP listen in the process bind 127.0.0.1 unless a host (or a pipe path) is given.
"use strict";
const net = require("net");

const HOST = "127.0.0.1";
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listen(...args) {
  const first = args[0];
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof args[1] !== "string") args.splice(1, 0, HOST);
  } else if (first && typeof first === "object" && !first.path && !first.host && !first.fd && !first._handle) {
    args[0] = { ...first, host: HOST };
  } else if (first === undefined || first === null) {
    args.splice(0, args.length ? 1 : 0, 0, HOST);
  } else if (typeof first === "function") {
    args.splice(0, 0, 0, HOST);
  }
  return originalListen.apply(this, args);
};
