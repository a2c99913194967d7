/* The main menu on a phone: progressive enhancement, no dependencies.
 *
 * Without this script the menu's links simply show (they wrap under the site's name). With it,
 * the "Menu" button in templates/base.html is revealed and the header is marked menu-ready;
 * below the stylesheet's breakpoint (static/portal.css, "Main menu") the list then stays folded
 * until the button opens it. A <button> answers Enter and Space by itself; aria-expanded says
 * whether the list is open; Escape closes it and gives the focus back to the button. On wide
 * screens the stylesheet hides the button and always shows the list, whatever its state.
 */
(function () {
  "use strict";

  var button = document.querySelector(".menu-button");
  var header = document.querySelector(".site-header");
  if (!button || !header) {
    return;
  }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
  }

  button.hidden = false;
  header.classList.add("menu-ready");
  setOpen(false);

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });

  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
