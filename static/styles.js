/* The stylesheet that does not block rendering (templates/base.html): static/portal-rest.css
 * arrives as <link rel="stylesheet" media="print" data-later-styles>, which the browser fetches
 * without holding back the first paint; once it has loaded, this script makes it apply to the
 * screen (media="all"). No inline script or style is needed, so the strict CSP stays on.
 * Without JavaScript the <noscript> link beside it loads the same file the ordinary way.
 */
(function () {
  "use strict";

  var links = document.querySelectorAll("link[data-later-styles]");
  Array.prototype.forEach.call(links, function (link) {
    function apply() {
      link.media = "all";
    }
    if (link.sheet) {
      apply(); // already loaded (a cached file usually is)
    } else {
      link.addEventListener("load", apply);
    }
  });
})();
