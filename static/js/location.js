/*
 * "Use my location": shown only when JavaScript and geolocation are available. The
 * browser asks for permission only when the button is pressed. The position, rounded
 * to about 100 metres, goes into the form's lat and lon fields and the search runs.
 */
(function () {
    "use strict";

    if (!("geolocation" in navigator)) {
        return;
    }

    function setField(form, name, value) {
        var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
        if (!input) {
            input = document.createElement("input");
            input.type = "hidden";
            input.name = name;
            input.setAttribute("data-location-field", name);
            form.appendChild(input);
        }
        input.value = value;
    }

    document.querySelectorAll("[data-use-location]").forEach(function (box) {
        var form = box.closest("form");
        var button = box.querySelector("[data-use-location-button]");
        var status = box.querySelector("[data-location-status]");
        if (!form || !button) {
            return;
        }
        box.hidden = false;
        button.addEventListener("click", function () {
            status.textContent = box.getAttribute("data-locating");
            button.disabled = true;
            navigator.geolocation.getCurrentPosition(
                function (position) {
                    setField(form, "lat", position.coords.latitude.toFixed(3));
                    setField(form, "lon", position.coords.longitude.toFixed(3));
                    var postcode = form.querySelector("[data-postcode]");
                    if (postcode) {
                        postcode.value = "";
                    }
                    status.textContent = box.getAttribute("data-found");
                    if (form.requestSubmit) {
                        form.requestSubmit();
                    } else {
                        form.submit();
                    }
                },
                function (error) {
                    button.disabled = false;
                    status.textContent = box.getAttribute(error.code === 1 ? "data-denied" : "data-unavailable");
                },
                {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000}
            );
        });
    });

    // Typing a postcode replaces a location found earlier.
    document.querySelectorAll("[data-postcode]").forEach(function (input) {
        input.addEventListener("input", function () {
            if (!input.form) {
                return;
            }
            input.form.querySelectorAll("[data-location-field]").forEach(function (field) {
                field.remove();
            });
        });
    });
})();
