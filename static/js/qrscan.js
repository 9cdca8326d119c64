// The badge QR scanner shared by the door page (checkin.js) and the sponsor's booth page
// (booth.js): the live camera and a photo of the badge, decoded in the browser.
//
// Decoding: the browser's own BarcodeDetector where it has one that reads QR codes (Chrome on
// Android, macOS and ChromeOS); elsewhere (iOS Safari, Firefox, Chromium on Linux and Windows)
// jsQR, static/vendor/jsqr/jsQR.js (`make vendor`), on frames drawn into a small canvas.
//
// window.MingleScanner(options) wires the page's elements and calls ``options.send(code)``
// (returning a promise) for each code read; a code the camera keeps seeing is sent once.
(function () {
  "use strict";
  var SAME_CODE_MS = 4000; // the same badge held in view is one scan, not many
  var FRAME_MS = 200; // a camera frame is decoded five times a second
  var FRAME_PX = 640; // camera frames are scaled down to this longer side before decoding
  var PHOTO_PX = [1024, 2048]; // a photo is tried small first, then larger for a far badge

  // options: video, start, stop, photo, cameraNote (elements); say(text, kind) shows a
  // result; send(code) -> promise; otherwise: what else to do ("search by name").
  window.MingleScanner = function (options) {
    var video = options.video;
    var start = options.start;
    var stop = options.stop;
    var photo = options.photo;
    var cameraNote = options.cameraNote;
    var say = options.say;
    var send = options.send;
    var otherwise = options.otherwise;

    // One canvas for camera frames, one for photos, so a frame never overwrites a photo.
    function surface() {
      var canvas = document.createElement("canvas");
      return { canvas: canvas, context: canvas.getContext("2d", { willReadFrequently: true }) };
    }
    var frames = surface();
    var photos = surface();

    // --- Decoding: one promise-returning function for camera frames and photos alike. -----

    var detector = null; // the browser's BarcodeDetector, once it is known to read QR codes
    var detectorChecked = ("BarcodeDetector" in window) ?
      Promise.resolve(window.BarcodeDetector.getSupportedFormats ?
        window.BarcodeDetector.getSupportedFormats() : ["qr_code"])
        .then(function (formats) {
          if (formats.indexOf("qr_code") >= 0) {
            detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          }
        })
        .catch(function () { detector = null; }) :
      Promise.resolve();

    function canDecode() {
      return detector !== null || typeof window.jsQR === "function";
    }

    // Draw ``source`` (w x h) on ``s`` with its longer side at most ``limit`` pixels.
    function draw(s, source, w, h, limit) {
      var scale = Math.min(1, limit / Math.max(w, h));
      s.canvas.width = Math.max(1, Math.round(w * scale));
      s.canvas.height = Math.max(1, Math.round(h * scale));
      s.context.drawImage(source, 0, 0, s.canvas.width, s.canvas.height);
    }

    // The text of the QR code drawn on ``s``, or null when none is found.
    function decode(s, thorough) {
      if (detector) {
        return detector.detect(s.canvas).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      }
      var pixels = s.context.getImageData(0, 0, s.canvas.width, s.canvas.height);
      var code = window.jsQR(pixels.data, pixels.width, pixels.height, {
        // Badges print dark on light; a photo may also be of a phone screen in dark mode.
        inversionAttempts: thorough ? "attemptBoth" : "dontInvert"
      });
      return Promise.resolve(code && code.data ? code.data : null);
    }

    // A code seen by the camera is sent once, then again only after SAME_CODE_MS, and never
    // while the last one is still on its way.
    var last = { code: "", at: 0 };
    var sending = false;
    function seen(code) {
      var now = Date.now();
      if (sending || (code === last.code && now - last.at < SAME_CODE_MS)) return;
      last = { code: code, at: now };
      sending = true;
      send(code).then(function () { sending = false; last.at = Date.now(); });
    }

    // --- The live camera. ---------------------------------------------------------------

    var stream = null;
    var timer = 0;
    var starts = 0;  // counts starts and stops, so a start overtaken by a stop stays quiet

    function tick() {
      timer = 0;
      if (!stream) return;
      var next = function () { if (stream) timer = window.setTimeout(tick, FRAME_MS); };
      if (video.readyState < 2 || !video.videoWidth) { next(); return; }
      draw(frames, video, video.videoWidth, video.videoHeight, FRAME_PX);
      decode(frames, false).then(function (code) { if (code) seen(code); })
        .catch(function () {}).then(next);
    }

    // A note about the camera; a problem (``bad``) shows in the error colour.
    function note(text, bad) {
      cameraNote.textContent = text;
      cameraNote.className = bad ? "door-result door-bad" : "muted";
    }

    function stopCamera(message, bad) {
      starts++;  // a start still in flight is overtaken
      if (timer) window.clearTimeout(timer);
      timer = 0;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      stop.hidden = true;
      start.hidden = false;
      start.disabled = false;
      if (message) note(message, bad);
    }

    // What to tell the user when the browser gives no camera, by the reason it names.
    function cameraProblem(error) {
      var name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        return "Camera access was refused. Allow the camera for this site in the browser's " +
          "settings and start it again, or take a photo of the badge, or " + otherwise + ".";
      }
      if (name === "NotFoundError" || name === "OverconstrainedError") {
        return "No camera found on this device: take a photo of the badge, or " + otherwise + ".";
      }
      if (name === "NotReadableError" || name === "AbortError") {
        return "The camera is in use by another app: close it and start the camera again, " +
          "or " + otherwise + ".";
      }
      return "The camera did not start: take a photo of the badge, or " + otherwise + ".";
    }

    function noDecoder() {
      return "The QR code reader did not load: reload the page, or " + otherwise + ".";
    }

    function startCamera() {
      var mine = ++starts;
      var stale = function () { return mine !== starts; };
      start.disabled = true;
      note("Starting the camera…");
      detectorChecked.then(function () {
        if (!canDecode()) throw new Error("no decoder");
        return navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" }, audio: false
        });
      }).then(function (s) {
        if (stale()) {  // stopped (page hidden, Stop) while the browser was asking
          s.getTracks().forEach(function (t) { t.stop(); });
          return;
        }
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        return video.play();
      }).then(function () {
        if (stale()) return;
        note("Hold a badge's QR code in front of the camera.");
        tick();
      }).catch(function (error) {
        // A stop while the video was starting aborts play(): the stop has said what happened.
        if (stale()) return;
        if (error && error.message === "no decoder") {
          stopCamera(noDecoder(), true);
        } else {
          stopCamera(cameraProblem(error), true);
        }
      });
    }

    if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      start.hidden = false;
      start.addEventListener("click", startCamera);
      stop.addEventListener("click", function () { stopCamera("The camera is off."); });
      // A camera left running in a background tab or a locked phone is stopped; starting it
      // again is one tap.
      document.addEventListener("visibilitychange", function () {
        if (document.hidden && stream) stopCamera("The camera paused while the page was hidden.");
      });
      window.addEventListener("pagehide", function () { stopCamera(""); });
    } else {
      // getUserMedia exists only on https (and on localhost).
      note(window.isSecureContext ?
        "This browser gives no live camera here: take a photo of the badge, or " + otherwise + "." :
        "The live camera needs an https address: take a photo of the badge, or " + otherwise + ".");
    }

    // --- A photo of the badge (the phone's camera app, or a picture already taken). -----

    function readImage(file) {
      if (window.createImageBitmap) {
        return window.createImageBitmap(file).then(function (bitmap) {
          return { source: bitmap, w: bitmap.width, h: bitmap.height };
        });
      }
      return new Promise(function (resolve, reject) {
        var reader = new FileReader();
        reader.onload = function () {
          var image = new Image();
          image.onload = function () {
            resolve({ source: image, w: image.naturalWidth, h: image.naturalHeight });
          };
          image.onerror = reject;
          image.src = reader.result; // a data: URL, which the page's CSP allows for images
        };
        reader.onerror = reject;
        reader.readAsDataURL(file);
      });
    }

    function decodePhoto(image) {
      var sizes = PHOTO_PX.filter(function (px, i) {
        return i === 0 || Math.max(image.w, image.h) > PHOTO_PX[i - 1];
      });
      var attempt = function (i) {
        if (i >= sizes.length) return Promise.resolve(null);
        draw(photos, image.source, image.w, image.h, sizes[i]);
        return decode(photos, true).then(function (code) { return code || attempt(i + 1); });
      };
      return attempt(0);
    }

    photo.addEventListener("change", function () {
      var file = photo.files && photo.files[0];
      if (!file) return;
      say("Reading the photo…");
      detectorChecked.then(function () {
        if (!canDecode()) throw new Error("no decoder");
        return readImage(file);
      }).then(decodePhoto).then(function (code) {
        if (code) return send(code);
        say("No QR code found in the photo: hold the badge flat, close enough to fill most " +
            "of the picture, and try again.", "bad");
      }, function (error) {
        say(error && error.message === "no decoder" ? noDecoder() :
          "That file could not be read as a picture: take the photo again.", "bad");
      }).then(function () {
        photo.value = ""; // the same photo chosen again is read again
      });
    });
  };
})();
