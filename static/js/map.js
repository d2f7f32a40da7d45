/*
 * The results map and the small map on a service page.
 *
 * Leaflet comes from django-leaflet's static files. Everything this script needs is in
 * the page: settings and translated messages in #map-config (json_script), the popup
 * markup in a <template>. No inline script or style, so a strict CSP can apply.
 * Without JavaScript the map section stays hidden and the list is the whole answer;
 * with it, the list is still the text alternative to the map.
 */
(function () {
    "use strict";

    var section = document.querySelector("[data-map-section]");
    var configElement = document.getElementById("map-config");
    if (!section || !configElement || !window.L) {
        return;
    }
    var config = JSON.parse(configElement.textContent);
    var container = section.querySelector("[data-map]");
    var popupTemplate = section.querySelector("[data-popup-template]");
    var searchAreaButton = section.querySelector("[data-search-area]");
    var jumpLink = document.querySelector("[data-map-link]");
    var messages = config.messages || {};

    section.hidden = false;
    if (jumpLink) {
        jumpLink.hidden = false;
    }

    // In right-to-left languages the controls sit at the start of the line, on the right.
    var rtl = document.documentElement.dir === "rtl";
    var map = L.map(container, {scrollWheelZoom: false, keyboard: true, zoomSnap: 0.5, zoomControl: false, attributionControl: false});
    L.control.zoom({position: rtl ? "topright" : "topleft", zoomInTitle: messages.zoomIn, zoomOutTitle: messages.zoomOut}).addTo(map);
    L.control.attribution({position: rtl ? "bottomleft" : "bottomright"}).addTo(map);
    L.tileLayer(config.tileUrl, {attribution: config.attribution, maxZoom: 19}).addTo(map);
    var markers = L.featureGroup().addTo(map);
    var searchedBounds = null; // the area the list answers for; moving away offers "Search this area"
    var clustered = false;
    var refreshTimer = null;

    function format(message, values) {
        return String(message || "").replace(/%\((\w+)\)s/g, function (_match, name) {
            return values[name] === undefined ? "" : values[name];
        });
    }

    function popupFor(properties) {
        // Text only (textContent), never HTML from the data.
        var fragment = popupTemplate.content.cloneNode(true);
        var popup = fragment.firstElementChild;
        // A listing not translated into the page's language is in English: say so to screen readers.
        var inEnglish = properties.inEnglish || [];
        popup.querySelectorAll("[data-field]").forEach(function (element) {
            var name = element.getAttribute("data-field");
            if (inEnglish.indexOf(name === "url" ? "name" : name) !== -1) {
                element.setAttribute("lang", "en");
                element.setAttribute("dir", "ltr");
            }
            if (name === "url") {
                element.href = properties.url || "#";
                element.textContent = properties.name || "";
                if (!properties.url) {
                    element.replaceWith(document.createTextNode(properties.name || ""));
                }
                return;
            }
            var value = properties[name];
            if (name === "phone") {
                // Digits and + as the tel filter makes them (partners.models.dialable).
                var digits = String(value || "").replace(/[^0-9+]/g, "").replace(/^\+440/, "+44");
                if (!digits) {
                    element.parentNode.remove();
                    return;
                }
                element.href = "tel:" + digits;
            }
            if (name === "distance" && typeof value === "number") {
                value = format(messages.distance, {miles: value.toFixed(1)});
            }
            if (value === undefined || value === null || value === "") {
                element.remove();
            } else {
                element.textContent = value;
            }
        });
        return popup;
    }

    // A search's points carry only what the marker needs (their name, their distance) so
    // that a map of many points stays small: a popup fetches the rest the first time it
    // opens, showing the name meanwhile.
    function withDetailsOnOpen(marker, id, properties) {
        var details = null;
        var loading = false;
        marker.bindPopup(function () {
            return popupFor(details || {name: properties.name, distance: properties.distance});
        });
        marker.on("popupopen", function () {
            if (details || loading) {
                return;
            }
            loading = true;
            var url = config.pointUrl.replace(/0\/$/, encodeURIComponent(String(id)) + "/");
            fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
                .then(function (response) {
                    if (!response.ok) {
                        throw new Error(String(response.status));
                    }
                    return response.json();
                })
                .then(function (data) {
                    details = Object.assign({}, data, {distance: properties.distance});
                    var popup = marker.getPopup();
                    var element = popup.getElement();
                    var active = document.activeElement;
                    var focusHere = !active || active === document.body || active === marker.getElement() ||
                        Boolean(element && element.contains(active));
                    popup.update();
                    var link = marker.isPopupOpen() && popup.getElement().querySelector(".popup a");
                    if (link && focusHere) {
                        link.focus();
                    }
                })
                .catch(function () {
                    var element = marker.isPopupOpen() && marker.getPopup().getElement();
                    var content = element && element.querySelector(".popup");
                    if (content && !content.querySelector(".error-message")) {
                        var note = document.createElement("p");
                        note.className = "error-message";
                        note.textContent = messages.loadError || "";
                        content.appendChild(note);
                    }
                })
                .then(function () {
                    loading = false;
                });
        });
    }

    function addFeature(feature) {
        var coordinates = feature.geometry.coordinates;
        var latlng = L.latLng(coordinates[1], coordinates[0]);
        var properties = feature.properties || {};
        var marker;
        if (properties.cluster) {
            var label = format(messages.cluster, {count: properties.count});
            marker = L.marker(latlng, {
                keyboard: true,
                title: label,
                icon: L.divIcon({className: "map-cluster", html: String(Number(properties.count)), iconSize: [44, 44]})
            });
            marker.on("add", function () {
                marker.getElement().setAttribute("aria-label", label);
            });
            marker.on("click", function () {
                var b = properties.bounds;
                map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [24, 24], maxZoom: 16});
            });
        } else {
            marker = L.marker(latlng, {keyboard: true, alt: format(messages.marker, {name: properties.name})});
            if (feature.id !== undefined && config.pointUrl) {
                withDetailsOnOpen(marker, feature.id, properties);
            } else {
                marker.bindPopup(function () {
                    return popupFor(properties);
                });
            }
        }
        marker.addTo(markers);
    }

    function show(features) {
        markers.clearLayers();
        features.forEach(addFeature);
    }

    // Keyboard: opening a popup moves focus into it; closing it returns focus to the marker.
    map.on("popupopen", function (event) {
        var link = event.popup.getElement().querySelector(".popup a");
        if (link) {
            link.focus();
        }
    });
    map.on("popupclose", function (event) {
        var source = event.popup._source;
        var active = document.activeElement;
        var focusWasInPopup = !active || active === document.body || event.popup.getElement().contains(active);
        if (source && source.getElement && source.getElement() && focusWasInPopup) {
            source.getElement().focus();
        }
    });

    function boxOf(bounds) {
        function clamp(value, low, high) {
            return Math.min(high, Math.max(low, value));
        }
        return [
            clamp(bounds.getWest(), -180, 180).toFixed(5),
            clamp(bounds.getSouth(), -90, 90).toFixed(5),
            clamp(bounds.getEast(), -180, 180).toFixed(5),
            clamp(bounds.getNorth(), -90, 90).toFixed(5)
        ].join(",");
    }

    function onMoved() {
        if (!searchedBounds) {
            return;
        }
        if (searchAreaButton) {
            searchAreaButton.hidden = map.getBounds().equals(searchedBounds, 1e-4);
        }
        if (clustered && config.geojsonUrl) {
            // Finer clusters for the new view; the list only changes on "Search this area".
            window.clearTimeout(refreshTimer);
            refreshTimer = window.setTimeout(function () {
                load(withBox(config.geojsonUrl, boxOf(map.getBounds())), false);
            }, 300);
        }
    }

    function withBox(url, box) {
        var parts = url.split("?");
        var query = new URLSearchParams(parts[1] || "");
        query.set("bbox", box);
        return parts[0] + "?" + query.toString();
    }

    function settle() {
        // Whatever view we end up with first is the searched area.
        window.setTimeout(function () {
            searchedBounds = map.getBounds();
            map.on("moveend", onMoved);
        }, 0);
    }

    function showError() {
        var note = document.createElement("p");
        note.className = "error-message";
        note.textContent = messages.loadError || "";
        container.parentNode.insertBefore(note, container);
    }

    function load(url, fit) {
        return fetch(url, {headers: {Accept: "application/geo+json, application/json"}, credentials: "same-origin"})
            .then(function (response) {
                if (!response.ok) {
                    throw new Error(String(response.status));
                }
                return response.json();
            })
            .then(function (data) {
                var features = data.features || [];
                if (fit) {
                    clustered = Boolean(data.properties && data.properties.clustered);
                }
                show(features);
                if (fit && !config.bbox && !config.place && features.length) {
                    map.fitBounds(markers.getBounds(), {padding: [24, 24], maxZoom: 15, animate: false});
                }
                if (fit && !features.length && !config.place && !config.bbox) {
                    section.hidden = true;
                    if (jumpLink) {
                        jumpLink.hidden = true;
                    }
                }
            })
            .catch(function () {
                if (fit) {
                    showError();
                }
            });
    }

    // Where the map starts: the searched area, the circle around the place, or the region.
    if (config.bbox) {
        map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]], {animate: false});
    } else if (config.place) {
        var centre = L.latLng(config.place[0], config.place[1]);
        var metres = config.radiusMiles * 1609.344;
        L.circle(centre, {radius: metres, interactive: false, className: "map-radius"}).addTo(map);
        map.fitBounds(centre.toBounds(metres * 2), {padding: [12, 12], animate: false});
    } else {
        map.setView(config.centre, config.zoom, {animate: false});
    }

    if (config.features) {
        // A service page: its own places, no searching.
        show(config.features);
        map.fitBounds(markers.getBounds(), {padding: [24, 24], maxZoom: 15, animate: false});
    } else if (config.geojsonUrl) {
        load(config.geojsonUrl, true).then(settle);
    }

    if (searchAreaButton) {
        searchAreaButton.addEventListener("click", function () {
            var url = config.areaSearchUrl;
            url += (url.indexOf("?") === -1 ? "?" : "&") + "bbox=" + encodeURIComponent(boxOf(map.getBounds()));
            window.location.assign(url);
        });
    }
})();
