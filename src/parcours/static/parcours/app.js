// Parcours page behaviour. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Live updates: one WebSocket per logged-in page. Events carry a "topic"; elements with
  // data-live-topic="<topic>" and an hx-get are refreshed through htmx when it arrives.
  function liveUrl(body) {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var port = body.dataset.websocketPort;
    var host = port ? window.location.hostname + ":" + port : window.location.host;
    return scheme + "//" + host + "/ws/live/";
  }

  function connect(body, delay) {
    var socket;
    try { socket = new WebSocket(liveUrl(body)); } catch (e) { return; }
    // Marks the page as receiving live updates (the server joined its group before accepting).
    socket.addEventListener("open", function () { body.dataset.liveConnected = "1"; });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      document.dispatchEvent(new CustomEvent("parcours:live", { detail: event }));
      // An event may concern several parts of a page: "topics" lists them all.
      var topics = Array.isArray(event.topics) ? event.topics : (event.topic ? [event.topic] : []);
      topics.forEach(function (topic) {
        if (typeof topic !== "string" || !/^[\w.-]+$/.test(topic)) { return; }
        document.querySelectorAll('[data-live-topic="' + topic + '"]').forEach(function (el) {
          if (window.htmx) { window.htmx.trigger(el, "live"); }
        });
      });
    });
    socket.addEventListener("close", function (closing) {
      delete body.dataset.liveConnected;
      if (closing.code === 4401) { return; }
      var next = Math.min((delay || 1000) * 2, 30000);
      window.setTimeout(function () { connect(body, next); }, next);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (body.dataset.live === "1" && "WebSocket" in window) { connect(body, 1000); }
  });
})();
