/*
 * The results page.
 * - When the search had a problem, move focus to the error summary so screen reader
 *   and keyboard users hear it first (GOV.UK's error summary pattern).
 * - On a narrow screen, fold the filters away so the results come first; they are open
 *   without JavaScript, and stay open when one of them has a problem.
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
})();
