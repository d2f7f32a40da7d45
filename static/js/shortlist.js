/*
 * The shortlist without page reloads, and two small helpers for sharing it.
 *
 * - "Add to shortlist" / "Remove from shortlist" are ordinary POST forms that work
 *   without JavaScript. Here the same form is sent with fetch, asking for JSON; the
 *   button, the count in the header and a status message (announced by screen readers)
 *   change in place. If anything goes wrong, the form is sent the ordinary way.
 * - "Copy link" copies the share link; "Print this page" opens the browser's print
 *   dialogue. Both are hidden until this script shows them.
 */
(function () {
    "use strict";

    var status = document.querySelector("[data-shortlist-status]");

    function announce(text) {
        if (!status) {
            return;
        }
        // Clear first, so the same words said twice are still announced.
        status.textContent = "";
        window.setTimeout(function () {
            status.textContent = text;
        }, 100);
    }

    function showCount(count) {
        document.querySelectorAll("[data-shortlist-count]").forEach(function (element) {
            element.textContent = String(count);
        });
        document.querySelectorAll("[data-shortlist-count-wrap]").forEach(function (element) {
            element.hidden = count === 0;
        });
    }

    // A visible note under the button, for what went wrong (such as a full shortlist).
    function showNote(form, text) {
        var note = form.querySelector("[data-shortlist-note]");
        if (!text) {
            if (note) {
                note.remove();
            }
            return;
        }
        if (!note) {
            note = document.createElement("p");
            note.className = "shortlist-note";
            note.setAttribute("data-shortlist-note", "");
            form.appendChild(note);
        }
        note.textContent = text;
    }

    function showState(form, data) {
        form.setAttribute("action", data.action);
        var label = form.querySelector("[data-shortlist-label]");
        if (label) {
            label.textContent = data.label;
        }
        var button = form.querySelector("[data-shortlist-button]");
        if (button) {
            button.classList.toggle("shortlist-button--chosen", data.inShortlist);
        }
    }

    document.addEventListener("submit", function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-shortlist-form")) {
            return;
        }
        if (!window.fetch || !window.FormData) {
            return;
        }
        event.preventDefault();
        if (form.getAttribute("aria-busy") === "true") {
            return;
        }
        form.setAttribute("aria-busy", "true");
        fetch(form.getAttribute("action"), {
            method: "POST",
            body: new FormData(form),
            headers: {"Accept": "application/json"},
            credentials: "same-origin"
        })
            .then(function (response) {
                return response.json();
            })
            .then(function (data) {
                if (!data || typeof data.count !== "number") {
                    throw new Error("Unexpected answer");
                }
                form.removeAttribute("aria-busy");
                showCount(data.count);
                if (data.ok) {
                    showState(form, data);
                    showNote(form, "");
                } else {
                    showNote(form, data.message);
                }
                announce(data.message);
            })
            .catch(function () {
                // The ordinary form post still works: let the server answer with a page.
                form.removeAttribute("aria-busy");
                form.submit();
            });
    });

    // Each row's button works in place here, so the no-JavaScript way of picking several goes.
    if (window.fetch && window.FormData) {
        document.querySelectorAll("[data-shortlist-pick]").forEach(function (element) {
            element.hidden = true;
        });
    }

    document.querySelectorAll("[data-copy-button]").forEach(function (button) {
        var input = document.querySelector("[data-share-url]");
        if (!input || !navigator.clipboard) {
            return;
        }
        button.hidden = false;
        button.addEventListener("click", function () {
            navigator.clipboard.writeText(input.value).then(
                function () {
                    announce(button.getAttribute("data-copied"));
                },
                function () {
                    input.select();
                    announce(button.getAttribute("data-copy-failed"));
                }
            );
        });
    });

    document.querySelectorAll("[data-print-button]").forEach(function (button) {
        if (typeof window.print !== "function") {
            return;
        }
        button.hidden = false;
        button.addEventListener("click", function () {
            window.print();
        });
    });
})();
