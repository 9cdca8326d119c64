/* Mingle's service worker: keeps each attendee's agenda readable without a network.
 *
 * Served as /a/sw.js (scope /a/). Network first: every agenda load and its CSS and JS go to the
 * server when it answers, and the answer is kept; with no network the kept copy is shown, with
 * the "last updated" time it was rendered at. A link that now answers 404 (re-issued by the
 * organiser) loses its copy. Only the agenda page is kept, never forms or calendar files.
 *
 * It also shows the Web Push notifications the server sends when an attendee's meetings
 * change (app/services/messages/notices.py): JSON {title, body, url, tag}; a tap opens the
 * agenda.
 */
"use strict";

const CACHE = "mingle-agenda-v2";
const AGENDA = /^\/a\/[A-Za-z0-9_-]{32,64}\/?$/;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function keeps(url) {
  return url.origin === self.location.origin &&
    (AGENDA.test(url.pathname) || url.pathname.startsWith("/static/"));
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    } else if (response.status === 404) {
      await cache.delete(request);
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) {
      // Marked, so the page can tell a fresh answer from this copy when the network returns.
      const headers = new Headers(kept.headers);
      headers.set("X-Mingle-Offline-Copy", "1");
      return new Response(kept.body, { status: kept.status, statusText: kept.statusText, headers });
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !keeps(new URL(request.url))) {
    return; // the browser's own handling: straight to the network
  }
  event.respondWith(networkFirst(request));
});

// Web Push: "Your agenda changed" with the changes, replacing an older one of the same event.
self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  const title = data.title || "Your agenda changed";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "Open your agenda to see what changed.",
    tag: data.tag || "mingle-agenda",
    renotify: true,
    data: { url: data.url || "" }
  }));
});

// A tap opens (or focuses) the agenda: only a path on this site, whatever the payload says.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let path = "";
  try {
    path = new URL(event.notification.data.url).pathname;
  } catch (error) {
    path = "";
  }
  if (!AGENDA.test(path)) {
    return;
  }
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) => {
    const open = windows.find((w) => w.url === target);
    return open ? open.focus() : self.clients.openWindow(target);
  }));
});
