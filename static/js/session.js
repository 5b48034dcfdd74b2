// Idle time-out on the client: warn a minute before the server ends the session, offer
// "Stay signed in", and when the session ends replace the screen with the locked page (staff) or
// the plain signed-out page (patients; the URL is data-signed-out)
// after keeping anything typed but not saved (sessionStorage, this tab only) so that it comes
// back in the same form after the same user logs in again. No inline script (CSP): configuration
// comes from data attributes on <body>. The server stays the authority (clinic/middleware.py).
(function () {
  "use strict";
  var body = document.body;
  var KEY = "clinic:unsaved";
  var MAX_AGE_MS = 30 * 60 * 1000;  // typed values are kept for 30 minutes at most
  var user = body.getAttribute("data-session-user") || "";

  function fieldsOf(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "password" || el.type === "submit" ||
          el.type === "button" || el.type === "file" || el.disabled) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked !== el.defaultChecked) { values[el.name + "\u0000" + el.value] = el.checked; }
      } else if (el.tagName === "SELECT") {
        var changed = Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
        if (changed) { values[el.name] = el.value; }
      } else if (el.value !== el.defaultValue) {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  // Forms the user changed and did not submit: [{action, values}] for this page.
  function keepUnsaved() {
    var forms = [];
    Array.prototype.forEach.call(document.querySelectorAll("form[method=post], form[method=POST]"), function (form) {
      if (form.hasAttribute("data-no-keep")) { return; }
      var values = fieldsOf(form);
      if (Object.keys(values).length) {
        forms.push({ action: form.getAttribute("action") || location.pathname, values: values });
      }
    });
    try {
      if (forms.length) {
        sessionStorage.setItem(KEY, JSON.stringify({ user: user, path: location.pathname, at: Date.now(), forms: forms }));
      }
    } catch (e) { /* storage full or disabled: nothing more can be done */ }
  }

  function notice(text) {
    var box = document.createElement("div");
    box.className = "alert alert-warning restored-notice";
    box.setAttribute("role", "alert");
    box.textContent = text;
    var main = document.getElementById("main");
    if (main) { main.insertBefore(box, main.firstChild); }
  }

  function fill(form, values) {
    var n = 0;
    Object.keys(values).forEach(function (key) {
      var parts = key.split("\u0000");
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== parts[0] || el.type === "hidden" || el.type === "password") { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          if (parts.length === 2 && el.value === parts[1]) { el.checked = !!values[key]; n += 1; }
          else if (parts.length === 1 && el.type === "radio" && el.value === String(values[key])) { el.checked = true; n += 1; }
        } else if (parts.length === 1) {
          el.value = values[key]; n += 1;
        }
      });
      if (n) { form.classList.add("restored"); }
    });
    return n;
  }

  // The server hands back a POST it could not take because the session had ended.
  function restoreFromServer() {
    var el = document.getElementById("unsaved-post");
    if (!el) { return false; }
    var data = JSON.parse(el.textContent);
    var form = document.querySelector('form[action="' + data.action.replace(/"/g, "") + '"]');
    if (form && fill(form, data.values)) {
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
      return true;
    }
    return false;
  }

  function restoreFromTab() {
    var raw;
    try { raw = sessionStorage.getItem(KEY); } catch (e) { return; }
    if (!raw || !user) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { sessionStorage.removeItem(KEY); return; }
    if (data.user !== user || Date.now() - data.at > MAX_AGE_MS) { sessionStorage.removeItem(KEY); return; }
    if (data.path !== location.pathname) { return; }  // kept until the user is back on that page
    sessionStorage.removeItem(KEY);
    var restored = 0;
    data.forms.forEach(function (f) {
      var form = document.querySelector('form[action="' + String(f.action).replace(/"/g, "") + '"]');
      if (form) { restored += fill(form, f.values); }
    });
    if (restored) {
      notice("The screen locked or you were signed out before saving. What you had typed is back in the form below — it is not saved yet: check it and save.");
      var first = document.querySelector("form.restored input:not([type=hidden]), form.restored select, form.restored textarea");
      if (first) { first.focus(); }
    }
  }

  // ---- the idle clock --------------------------------------------------------------------------
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var statusUrl = body.getAttribute("data-session-status");
  var signedOutUrl = body.getAttribute("data-signed-out");
  var warnBefore = 60;
  var timer = null;
  var dialog = document.getElementById("idle-warning");

  function signedOut() {
    keepUnsaved();
    location.assign(signedOutUrl + "?next=" + encodeURIComponent(location.pathname + location.search));
  }

  function ask(activity, then) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", statusUrl);
    xhr.setRequestHeader("Accept", "application/json");
    if (!activity) { xhr.setRequestHeader("X-Auto-Refresh", "1"); }  // asking is not activity
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      then(data);
    };
    xhr.onerror = function () { then(null); };
    xhr.send();
  }

  function hideWarning() { if (dialog) { dialog.hidden = true; } }

  function showWarning(seconds) {
    if (!dialog) { return; }
    var out = dialog.querySelector(".js-idle-left");
    if (out) { out.textContent = seconds > 90 ? Math.round(seconds / 60) + " minutes" : "1 minute"; }
    dialog.hidden = false;
    var btn = dialog.querySelector("button");
    if (btn) { btn.focus(); }
  }

  function schedule(secondsLeft) {
    clearTimeout(timer);
    if (secondsLeft > warnBefore) {
      hideWarning();
      timer = setTimeout(check, (secondsLeft - warnBefore) * 1000);
    } else if (secondsLeft > 0) {
      showWarning(secondsLeft);
      timer = setTimeout(check, (secondsLeft + 2) * 1000);
    } else {
      signedOut();
    }
  }

  // Another tab may have kept the session alive: the server says how long is left.
  function check() {
    ask(false, function (data) {
      if (!data) { timer = setTimeout(check, 30000); return; }
      if (data.signed_out) { signedOut(); return; }
      schedule(data.seconds_left);
    });
  }

  function activity() { schedule(idle); }

  if (idle > 0 && statusUrl && signedOutUrl) {
    schedule(idle);
    if (dialog) {
      dialog.querySelector("button").addEventListener("click", function () {
        ask(true, function (data) {
          if (!data || data.signed_out) { signedOut(); return; }
          schedule(data.seconds_left);
        });
      });
    }
    // A request the user made (not the automatic refresh) restarts the server's idle clock.
    document.addEventListener("htmx:afterRequest", function (ev) {
      var headers = ev.detail && ev.detail.requestConfig && ev.detail.requestConfig.headers;
      if (!headers || headers["X-Auto-Refresh"] !== "1") { activity(); }
    });
    // The server ended the session under an automatic refresh: keep what was typed first.
    document.addEventListener("clinic:signed-out", keepUnsaved);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!restoreFromServer()) { restoreFromTab(); }
  });
})();
