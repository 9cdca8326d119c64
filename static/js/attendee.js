/* The attendee's pages: offline copy, "now / next" every minute, and the follow-up form.
 * No framework, nothing required: every page works without it. */
(function () {
  "use strict";

  var CACHE = "mingle-agenda-v2"; // the same name as in sw.js
  var script = document.currentScript;
  var page = document.querySelector("[data-offline-page]");

  // Offline: register the service worker, then keep this agenda and its assets right away,
  // so that even the first visit survives a reload with no network.
  function keepForOffline() {
    if (!page || !("caches" in window)) {
      return;
    }
    var urls = [location.pathname + location.search];
    document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (el) {
      urls.push(el.href || el.src);
    });
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(urls);
    }).then(function () {
      document.body.setAttribute("data-offline-ready", "1");
      var note = document.querySelector("[data-offline-ready-note]");
      if (note) {
        note.hidden = false;
      }
    }).catch(function () { /* private mode or full storage: the page still works online */ });
  }

  if (script && script.dataset.sw && "serviceWorker" in navigator) {
    var sw = script.dataset.sw;
    navigator.serviceWorker.register(sw, { scope: sw.slice(0, sw.lastIndexOf("/") + 1) })
      .then(keepForOffline)
      .catch(function () { /* no service worker (e.g. plain http): online only */ });
  }

  function showOffline() {
    var note = document.querySelector("[data-offline-note]");
    if (note) {
      note.hidden = navigator.onLine;
    }
  }
  window.addEventListener("offline", showOffline);
  // Back online: reload once the server really answers (the first requests after the network
  // returns may still fail and be served from the offline copy, which the worker marks).
  function reloadWhenServerAnswers(tries) {
    fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && !response.headers.get("X-Mingle-Offline-Copy")) {
          location.reload();
        } else if (tries > 0) {
          window.setTimeout(function () { reloadWhenServerAnswers(tries - 1); }, 1000);
        }
      })
      .catch(function () {
        if (tries > 0) {
          window.setTimeout(function () { reloadWhenServerAnswers(tries - 1); }, 1000);
        }
      });
  }
  window.addEventListener("online", function () {
    showOffline();
    if (page) {
      reloadWhenServerAnswers(30);
    }
  });
  showOffline();

  // "Now / next": the server marked them when it rendered the page; redo it every minute
  // from the device's clock, which keeps working offline.
  function tick() {
    var now = Date.now();
    var seenNext = false;
    document.querySelectorAll("[data-start]").forEach(function (slot) {
      var start = Date.parse(slot.dataset.start);
      var end = Date.parse(slot.dataset.end);
      var state = "";
      if (end <= now) {
        state = "past";
      } else if (start <= now) {
        state = "now";
      } else if (!seenNext) {
        state = "next";
        seenNext = true;
      }
      slot.classList.remove("is-past", "is-now", "is-next");
      if (state) {
        slot.classList.add("is-" + state);
      }
      var badge = slot.querySelector("[data-badge]");
      if (badge) {
        badge.textContent = state === "now" ? "Now" : state === "next" ? "Next" : "";
        badge.hidden = !badge.textContent;
      }
    });
    var updated = document.querySelector("[data-rendered]");
    var ago = updated && updated.querySelector("[data-ago]");
    if (ago) {
      var minutes = Math.floor((now - Date.parse(updated.dataset.rendered)) / 60000);
      ago.textContent = minutes < 1 ? "(just now)" : minutes < 120
        ? "(" + minutes + " min ago)" : "(" + Math.floor(minutes / 60) + " h ago)";
    }
  }
  if (page) {
    tick();
    window.setInterval(tick, 60000);
  }

  // Alerts (Web Push): subscribe this browser with the server's VAPID key, then hand the
  // subscription to /a/<token>/push. The key and a CSRF token come from that URL, not the page.
  var alerts = document.querySelector("[data-push]");

  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }

  function showAlerts(state, error) {
    ["off", "on", "blocked"].forEach(function (name) {
      alerts.querySelector("[data-push-" + name + "]").hidden = name !== state;
    });
    alerts.querySelector("[data-push-enable]").hidden = state !== "off";
    alerts.querySelector("[data-push-disable]").hidden = state !== "on";
    var message = alerts.querySelector("[data-push-error]");
    message.textContent = error || "";
    message.hidden = !error;
  }

  function pushSettings() {
    return fetch(alerts.dataset.push, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("This link no longer works: ask the organiser for your new one.");
        }
        return response.json();
      });
  }

  function sendSubscription(method, body, csrf) {
    return fetch(alerts.dataset.push, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok && method === "POST") {
          throw new Error(answer.error || "The server did not accept this phone.");
        }
        return answer;
      });
    });
  }

  function turnOnAlerts() {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        showAlerts(permission === "denied" ? "blocked" : "off");
        return null;
      }
      return Promise.all([pushSettings(), navigator.serviceWorker.ready]).then(function (got) {
        var settings = got[0];
        return got[1].pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(settings.publicKey)
        }).then(function (subscription) {
          return sendSubscription("POST", subscription.toJSON(), settings.csrf);
        }).then(function () {
          showAlerts("on");
        });
      });
    }).catch(function (error) {
      showAlerts("off", "Alerts could not be turned on: " + (error && error.message || error));
    });
  }

  function turnOffAlerts() {
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) {
        return null;
      }
      return pushSettings().then(function (settings) {
        return sendSubscription("DELETE", { endpoint: subscription.endpoint }, settings.csrf);
      }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      showAlerts("off");
    }).catch(function (error) {
      showAlerts("on", "Alerts could not be turned off: " + (error && error.message || error));
    });
  }

  if (alerts && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window) {
    alerts.hidden = false;
    showAlerts(Notification.permission === "denied" ? "blocked" : "off");
    alerts.querySelector("[data-push-enable]").addEventListener("click", turnOnAlerts);
    alerts.querySelector("[data-push-disable]").addEventListener("click", turnOffAlerts);
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (subscription && Notification.permission === "granted") {
        showAlerts("on");
      }
    }).catch(function () { /* no push here: the card keeps offering it */ });
  }

  // Follow-up form: the rating questions only apply when the meeting happened.
  var form = document.querySelector("[data-followup]");
  if (form) {
    var sync = function () {
      var held = form.querySelector('input[name="held"]:checked');
      var met = !held || held.value === "yes";
      form.querySelectorAll("[data-if-met]").forEach(function (el) {
        el.hidden = !met;
      });
      form.querySelectorAll("[data-if-not-met]").forEach(function (el) {
        el.hidden = met;
      });
    };
    form.addEventListener("change", sync);
    sync();
  }
})();
