/* Photo fields (templates/team/_people.html): progressive enhancement, no dependencies.
 *
 * A file larger than the portal accepts (the input's data-max-bytes, PHOTO_MAX_BYTES) is
 * refused here, as soon as it is chosen: the server's own words (data-too-large, in the reader's
 * language), beside the field, and the choice is cleared, so nothing is sent. Without this script the server says the same after
 * the upload. Everything else about the file (its type, its pixels) is for the server to judge.
 */
(function () {
  "use strict";

  function say(input, message) {
    var id = input.id + "-size-error";
    var shown = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (part) {
      return part && part !== id;
    });
    if (!message) {
      if (shown) {
        shown.remove();
      }
      input.removeAttribute("aria-invalid");
    } else {
      if (!shown) {
        shown = document.createElement("p");
        shown.className = "error-message";
        shown.id = id;
        shown.setAttribute("role", "alert");
        input.parentNode.insertBefore(shown, input);
      }
      shown.textContent = message;
      input.setAttribute("aria-invalid", "true");
      described.push(id);
    }
    if (described.length) {
      input.setAttribute("aria-describedby", described.join(" "));
    } else {
      input.removeAttribute("aria-describedby");
    }
  }

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (file && file.size > Number(input.dataset.maxBytes)) {
        input.value = "";
        say(input, input.dataset.tooLarge || "");
      } else {
        say(input, "");
      }
    });
  });
})();
