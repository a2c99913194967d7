/* Keeps the candidate home's countdown ticking: progressive enhancement, no dependencies.
 *
 * The server renders the right numbers on load (templates/candidate/_countdown.html) and puts
 * two absolute instants on #countdown: data-joins-at (with its offset) and data-server-now.
 * The difference between the server's "now" and this browser's at load corrects a wrong client
 * clock. Both are instants, so subtracting them is right across daylight-saving changes and
 * half-hour zones alike. The page is redrawn when a minute boundary passes (not every second),
 * and at zero the "begun" line replaces the numbers: never negative time.
 */
(function () {
  "use strict";

  var root = document.getElementById("countdown");
  if (!root || !root.hasAttribute("data-joins-at")) {
    return;
  }
  var joinsAt = Date.parse(root.getAttribute("data-joins-at"));
  var serverNow = Date.parse(root.getAttribute("data-server-now"));
  if (isNaN(joinsAt) || isNaN(serverNow)) {
    return;
  }
  var clockSkew = serverNow - Date.now();
  var timer = null;

  function word(element, count) {
    return element.getAttribute(count === 1 ? "data-one" : "data-other");
  }

  function show(key, count) {
    root.querySelectorAll('[data-countdown-value="' + key + '"]').forEach(function (el) {
      el.textContent = String(count);
    });
    root.querySelectorAll('[data-countdown-unit="' + key + '"]').forEach(function (el) {
      el.textContent = word(el, count);
    });
    root.querySelectorAll('[data-countdown-phrase="' + key + '"]').forEach(function (el) {
      el.textContent = count + " " + word(el, count);
    });
  }

  function finish() {
    root.querySelectorAll(".countdown-running, [data-countdown-sentence], .countdown-note")
      .forEach(function (el) {
        el.hidden = true;
      });
    root.querySelectorAll(".countdown-done").forEach(function (el) {
      el.hidden = false;
    });
    root.classList.add("countdown-finished");
    document.removeEventListener("visibilitychange", update);
  }

  /* Redraw; returns the milliseconds left (0 once the moment has come). */
  function draw() {
    var left = Math.max(0, joinsAt - (Date.now() + clockSkew));
    var seconds = Math.floor(left / 1000);
    if (seconds <= 0) {
      finish();
      return 0;
    }
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    show("days", days);
    show("hours", hours);
    show("minutes", minutes);
    root.querySelectorAll("time.countdown-parts").forEach(function (el) {
      el.setAttribute("datetime", "P" + days + "DT" + hours + "H" + minutes + "M");
    });
    return left;
  }

  function update() {
    window.clearTimeout(timer);
    var left = draw();
    if (left > 0) {
      /* Wake just after the next whole minute left (or the moment itself) is reached. */
      var untilNextMinute = left % 60000 || 60000;
      timer = window.setTimeout(update, untilNextMinute + 50);
    }
  }

  /* Timers are throttled in background tabs and stop while a laptop sleeps: redraw on return. */
  document.addEventListener("visibilitychange", update);
  update();
  root.setAttribute("data-countdown-live", ""); /* the clock is now the script's (tests wait for it) */
})();
