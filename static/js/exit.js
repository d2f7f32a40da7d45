/* "Leave this site": go to a neutral page at once, replacing this page in the history so
   Back does not bring it up again. Pressing Shift three times does the same, as on GOV.UK
   services (their research: people remember it and it can be pressed in a hurry). The
   link works without this script; it then leaves this page in the history. */
(function () {
    "use strict";
    var link = document.querySelector("[data-exit-link]");
    if (!link) {
        return;
    }
    var PRESSES = 3;
    var WITHIN_MS = 5000;
    var presses = 0;
    var timer = null;

    function leave(event) {
        if (event) {
            event.preventDefault();
        }
        document.documentElement.classList.add("is-leaving"); // hide the page while the next one loads
        window.location.replace(link.href);
    }

    link.addEventListener("click", leave);
    document.addEventListener("keydown", function (event) {
        if (event.key !== "Shift") {
            presses = 0; // Shift held for a capital letter is typing, not a request to leave
            return;
        }
        if (event.repeat) {
            return;
        }
        presses += 1;
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { presses = 0; }, WITHIN_MS);
        if (presses >= PRESSES) {
            leave();
        }
    });
    var hint = document.querySelector("[data-exit-hint]");
    if (hint) {
        hint.hidden = false;
    }
}());
