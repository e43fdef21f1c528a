/* Service worker: pages a visitor has read stay readable offline.
 *
 * Progressive enhancement only; the site works the same without it. Served at /sw.js
 * (site/views.py) so that its scope is the whole site; registered by static/js/site.js.
 *
 * - Page visits (navigations): network first; a copy of each page read is kept and
 *   shown when the network fails. Never kept: anything but GET, addresses with a query
 *   string, /admin/ and other excluded paths, responses that are not a plain 200, that
 *   say Cache-Control private or no-store (form pages, logged-in views), and pages
 *   holding a form that posts (join, volunteer, signing a statement).
 * - Static files and images: served from the cache when there; files whose name does
 *   not change with their content (unhashed static files in development) are
 *   refreshed in the background for next time.
 * - Offline and not kept: the offline page of the visitor's language (/sq/offline/,
 *   /en/offline/), cached when site.js tells the worker which one the visitor reads.
 */
"use strict";

const VERSION = "v1";
const PAGES = "pages-" + VERSION;
const ASSETS = "assets-" + VERSION;
const OFFLINE = "offline-" + VERSION;
const MAX_PAGES = 60;
const MAX_ASSETS = 120;
const ASSET_PREFIXES = ["/static/", "/media/images/"];
const NEVER = ["/admin/", "/documents/", "/sw.js", "/media/documents/"];
const POST_FORM = /<form\b[^>]*\bmethod\s*=\s*["']?post/i;
const IMMUTABLE = /\.[0-9a-f]{12}\.[a-z0-9]+$|^\/media\/images\//;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
    const keep = new Set([PAGES, ASSETS, OFFLINE]);
    event.waitUntil(
        caches.keys()
            .then((names) => Promise.all(names.filter((n) => !keep.has(n)).map((n) => caches.delete(n))))
            .then(() => self.clients.claim())
    );
});

self.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "offline-page" && typeof data.url === "string") {
        event.waitUntil(cacheOfflinePage(data.url));
    }
});

self.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET") return;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (NEVER.some((prefix) => url.pathname.startsWith(prefix))) return;
    if (request.mode === "navigate") {
        event.respondWith(page(event, url));
    } else if (!url.search && ASSET_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
        event.respondWith(asset(event));
    }
});

function storable(response) {
    if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) {
        return false;
    }
    const control = (response.headers.get("Cache-Control") || "").toLowerCase();
    return !/\b(private|no-store)\b/.test(control);
}

async function page(event, url) {
    const request = event.request;
    try {
        const response = await fetch(request);
        if (!url.search && storable(response) && isHtml(response)) {
            event.waitUntil(keepPage(request, response.clone()));
        }
        return response;
    } catch (error) {
        const kept = url.search ? null : await caches.match(request, { cacheName: PAGES, ignoreVary: true });
        return kept || offlinePage(url);
    }
}

function isHtml(response) {
    return (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function keepPage(request, response) {
    const html = await response.clone().text();
    if (POST_FORM.test(html)) return;  // a page with a form is never kept
    const cache = await caches.open(PAGES);
    await cache.put(request, response);
    await trim(cache, MAX_PAGES);
}

async function asset(event) {
    const cache = await caches.open(ASSETS);
    const kept = await cache.match(event.request, { ignoreVary: true });
    const refresh = () => fetch(event.request).then(async (response) => {
        if (storable(response)) {
            await cache.put(event.request, response.clone());
            await trim(cache, MAX_ASSETS);
        }
        return response;
    });
    if (!kept) return refresh();
    // A file whose name changes with its content (hashed static files, image
    // renditions) never needs asking again; others are refreshed for next time.
    if (!IMMUTABLE.test(new URL(event.request.url).pathname)) {
        event.waitUntil(refresh().catch(() => undefined));
    }
    return kept;
}

async function trim(cache, limit) {
    const keys = await cache.keys();
    for (const key of keys.slice(0, Math.max(0, keys.length - limit))) {
        await cache.delete(key);
    }
}

function offlineUrlFor(url) {
    const match = url.pathname.match(/^\/([a-z]{2,3}(?:-[a-z0-9]+)?)\//i);
    return match ? "/" + match[1].toLowerCase() + "/offline/" : null;
}

async function offlinePage(url) {
    const cache = await caches.open(OFFLINE);
    const own = offlineUrlFor(url);
    let response = own ? await cache.match(own, { ignoreVary: true }) : null;
    if (!response) {
        const any = await cache.keys();
        response = any.length ? await cache.match(any[0], { ignoreVary: true }) : null;
    }
    return response || new Response("Offline", {
        status: 503,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
}

async function cacheOfflinePage(path) {
    const url = new URL(path, self.location.origin);
    if (url.origin !== self.location.origin || !/\/offline\/$/.test(url.pathname)) return;
    const cache = await caches.open(OFFLINE);
    if (await cache.match(url.href, { ignoreVary: true })) return;
    const response = await fetch(url.href, { credentials: "omit" });
    if (response.status !== 200) return;
    // Its stylesheets and scripts too, so that it looks like the site offline.
    const html = await response.clone().text();
    const assets = await caches.open(ASSETS);
    const links = [...html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="(\/static\/[^"?#]+)"/g)];
    await Promise.all(links.map((m) => assets.add(m[1]).catch(() => undefined)));
    await cache.put(url.href, response);
}
