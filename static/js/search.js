/*
 * The results page.
 * - When the search had a problem, move focus to the error summary so screen reader
 *   and keyboard users hear it first (GOV.UK's error summary pattern).
 * - On a narrow screen, fold the filters away so the results come first; they are open
 *   without JavaScript, and stay open when one of them has a problem.
 * - Leave empty fields out of the address a search goes to, so links to share and
 *   bookmark are short (the server ignores them anyway).
 */
(function () {
    "use strict";
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
        summary.focus();
    }
    var panel = document.querySelector("[data-filters-panel]");
    if (panel && !panel.hasAttribute("data-keep-open") && window.matchMedia("(max-width: 47.99em)").matches) {
        panel.open = false;
    }
    document.querySelectorAll("form[data-search-form]").forEach(function (form) {
        form.addEventListener("submit", function () {
            var emptied = [];
            Array.prototype.forEach.call(form.elements, function (field) {
                if (field.name && !field.disabled && field.value === "" && field.type !== "submit") {
                    field.disabled = true;
                    emptied.push(field);
                }
            });
            // Back on after the browser has read the form, in case the page is kept (bfcache).
            window.setTimeout(function () {
                emptied.forEach(function (field) {
                    field.disabled = false;
                });
            }, 0);
        });
    });
})();
