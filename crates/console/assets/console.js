// smsgate console: the one script of the pages, served by smsgate itself.
// Pages read without it; it only shows times in the browser's time zone
// (UTC stays in each time's hover title) and tells the search form which
// zone its date fields were typed in.
(function () {
  "use strict";
  function pad(n, width) {
    return String(n).padStart(width || 2, "0");
  }
  function zoneName(date) {
    try {
      var parts = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(date);
      var zone = parts.find(function (p) { return p.type === "timeZoneName"; });
      return zone ? " " + zone.value : "";
    } catch (e) {
      return "";
    }
  }
  function local(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + "." +
      pad(date.getMilliseconds(), 3) + zoneName(date);
  }
  document.querySelectorAll("time[datetime]").forEach(function (element) {
    var date = new Date(element.getAttribute("datetime"));
    if (isNaN(date.getTime())) {
      return;
    }
    element.title = element.textContent;
    element.textContent = local(date);
    element.classList.add("local");
  });
  // datetime-local fields carry no zone: send the browser's offset at the
  // time typed (daylight saving included), as getTimezoneOffset gives it.
  document.querySelectorAll("form[data-local-times]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var zone = form.querySelector("input[name=tz]");
      var first = Array.prototype.find.call(
        form.querySelectorAll("input[type=datetime-local]"),
        function (input) { return input.value; }
      );
      if (zone) {
        zone.value = String((first ? new Date(first.value) : new Date()).getTimezoneOffset());
      }
    });
  });
})();
