"""Pure helpers of the benchmark (``tests/load/bench.py``): no Django, no network.

Parsing wrk's output, choosing the image a phone would download from a ``srcset``,
finding a page's assets and forms in its HTML, filling a sign-up form with valid and
unique data, the wrk Lua scripts, and judging the figures against the performance
targets. ``tests/load/test_benchlib.py`` covers them.
"""

import json
import re
import urllib.parse
from collections import Counter
from html.parser import HTMLParser

# --- performance targets -------------------------------------------------------------

KB = 1000  # page-weight budgets are counted in kilobytes of 1000 bytes (the strict reading)
WEIGHT_BUDGET_TEXT = 50 * KB
WEIGHT_BUDGET_TOTAL = 300 * KB
FONT_BUDGET = 50 * KB
TARGET_CACHED_RATIO = 0.70  # a cache hit, to the trivial view of the same pass
TARGET_COLD_RATIO = 0.030  # a render with no cache at all, to the trivial view (same pass)
TARGET_COLD_QUERIES = 25  # SQL queries of a render with no cache at all
TARGET_LIVE_RATIO = 0.50  # while a congress publishes, to the same pages without it
TARGET_SIGNUPS_PER_SECOND = 100
PAGE_TYPES_EXPECTED = (
    "movement.MovementPage",
    "movement.CampaignPage",
    "congress.CongressPage",
    "movement.NewsPage",
)

WRK_JSON_MARKER = "BENCH_JSON "
UNIQUE_PLACEHOLDER = "BENCHUNIQ"

# --- wrk -----------------------------------------------------------------------------

_WRK_DONE = r"""
done = function(summary, latency, requests)
  local sent = 0
  for _, t in ipairs(threads) do sent = sent + (t:get("counter") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"sent":%d,'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
    .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, sent,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""

_WRK_THREADS = r"""
threads = {}
setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
"""


def lua_string(value):
    """A Lua string literal for ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\r", "\\r").replace("\0", "\\0")
    return f'"{escaped}"'


def wrk_get_script():
    """Lua for a plain GET run: only the JSON summary at the end."""
    return _WRK_THREADS + _WRK_DONE


def wrk_post_script(path, body_template, headers, phase):
    """Lua for a sign-up run: every request posts ``body_template`` with the
    placeholder replaced by a value unique to the thread, the request and ``phase``,
    from its own client address (X-Forwarded-For, as a reverse proxy in front sends
    it), so that each request stands for another visitor."""
    header_lines = "\n".join(
        f"  wrk.headers[{lua_string(name)}] = {lua_string(value)}"
        for name, value in headers.items()
    )
    return (
        _WRK_THREADS
        + f"""
init = function(args)
  counter = 0
  wrk.method = "POST"
{header_lines}
end
request = function()
  counter = counter + 1
  local unique = {lua_string(phase)} .. id .. "x" .. counter
  local body = string.gsub({lua_string(body_template)}, {lua_string(UNIQUE_PLACEHOLDER)}, unique)
  local headers = {{}}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", id % 256, math.floor(counter / 256) % 256, counter % 256)
  return wrk.format("POST", {lua_string(path)}, headers, body)
end
"""
        + _WRK_DONE
    )


TIME_PLACEHOLDER = "BENCHTIME"
CSRF_PLACEHOLDER = "BENCHCSRF"


def signup_cycle_template(form, run_id):
    """The body of ``fill_form`` with the form's time token and CSRF token replaced
    by placeholders, for ``wrk_signup_cycle_script`` to fill from each new form."""
    pairs = [
        (name, TIME_PLACEHOLDER if name.endswith("form_time") else value)
        for name, value in fill_form(form, run_id)
    ]
    assert any(value == TIME_PLACEHOLDER for _, value in pairs), "no time token field"
    return encode_form(pairs, CSRF_PLACEHOLDER)


def wrk_signup_cycle_script(path, action, body_template, cookie, phase):
    """Lua for sign-ups as people make them: each one loads the form (GET ``path``),
    takes its time token and CSRF token (a time token is good for one submission)
    and posts it to ``action`` with a unique address, from its own client address
    (X-Forwarded-For). Run it with as many wrk threads as connections: each thread
    then alternates one GET and one POST on its one connection. ``done`` prints the
    summary with the posts sent, answered and accepted (302) of every thread."""
    return (
        _WRK_THREADS
        + f"""
local function encode(value)
  return (string.gsub(value, "[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c)) end))
end
local function literal(value)
  return (string.gsub(value, "%%", "%%%%"))
end
init = function(args)
  counter = 0
  sent = 0
  posted = 0
  accepted = 0
  body = nil
  waiting = nil
end
request = function()
  local headers = {{}}
  headers["Cookie"] = {lua_string(cookie)}
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", id % 256, math.floor(counter / 256) % 256, counter % 256)
  if body == nil then
    waiting = "get"
    return wrk.format("GET", {lua_string(path)}, headers)
  end
  waiting = "post"
  sent = sent + 1
  local sending = body
  body = nil
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", {lua_string(action)}, headers, sending)
end
response = function(status, headers, page)
  if waiting == "post" then
    posted = posted + 1
    if status == 302 then accepted = accepted + 1 end
    return
  end
  local time_token = page and string.match(page, 'name="[%w_-]*form_time" value="([^"]+)"')
  local csrf = page and string.match(page, 'name="csrfmiddlewaretoken" value="([^"]+)"')
  if status == 200 and time_token and csrf then
    counter = counter + 1
    local unique = {lua_string(phase)} .. id .. "x" .. counter
    local filled = string.gsub(
      {lua_string(body_template)}, {lua_string(UNIQUE_PLACEHOLDER)}, unique)
    filled = string.gsub(filled, {lua_string(TIME_PLACEHOLDER)}, literal(encode(time_token)))
    body = string.gsub(filled, {lua_string(CSRF_PLACEHOLDER)}, literal(encode(csrf)))
  end
end
done = function(summary, latency, requests)
  local posts, ok, out = 0, 0, 0
  for _, t in ipairs(threads) do
    out = out + (t:get("sent") or 0)
    posts = posts + (t:get("posted") or 0)
    ok = ok + (t:get("accepted") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests":%d,"duration_us":%d,"bytes":%d,"sent":%d,"posted":%d,"accepted":%d,'
    .. '"errors":{{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}},'
    .. '"latency_us":{{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}}}}\\n',
    summary.requests, summary.duration, summary.bytes, out, posts, ok,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""
    )


def wrk_tracking_script(path, parameter="utm_source"):
    """Lua for a GET run of ``path`` with a tracking parameter whose value changes on
    every request (``?utm_source=t1x1``, ``t1x2``...): as many campaign links, one
    cached page."""
    separator = "&" if "?" in path else "?"
    prefix = lua_string(f"{path}{separator}{parameter}=")
    return (
        _WRK_THREADS
        + f"""
init = function(args)
  counter = 0
end
request = function()
  counter = counter + 1
  return wrk.format(nil, {prefix} .. "t" .. id .. "x" .. counter)
end
"""
        + _WRK_DONE
    )


def parse_wrk_json(output):
    """The summary our Lua ``done`` printed, or None."""
    for line in output.splitlines():
        if line.startswith(WRK_JSON_MARKER):
            return json.loads(line[len(WRK_JSON_MARKER) :])
    return None


_DURATION_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text):
    """wrk's durations ("812.00us", "1.50ms", "2.01s", "1.00m") in seconds."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(us|ms|s|m|h)\s*", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def parse_wrk_text(output):
    """Requests/s, transfer and latency percentiles from wrk's own text (with
    ``--latency``): a fallback for when the Lua summary is missing."""
    result = {}
    match = re.search(r"Requests/sec:\s*([0-9.]+)", output)
    if match:
        result["requests_per_second"] = float(match.group(1))
    match = re.search(r"(\d+) requests in ([0-9.]+\w+), ([0-9.]+\w+) read", output)
    if match:
        result["requests"] = int(match.group(1))
        result["duration_s"] = parse_duration(match.group(2))
    match = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    result["non_2xx_3xx"] = int(match.group(1)) if match else 0
    latency = {}
    for percent, value in re.findall(r"^\s*(50|75|90|99)%\s+([0-9.]+\w+)\s*$", output, re.M):
        latency[f"p{percent}"] = parse_duration(value)
    if latency:
        result["latency_s"] = latency
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if match:
        result["socket_errors"] = dict(
            zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True)
        )
    return result


def summarise_wrk(summary):
    """Figures for the report from our Lua summary."""
    duration = summary["duration_us"] / 1e6 or 1e-9
    requests = summary["requests"]
    errors = summary["errors"]
    return {
        "requests": requests,
        "requests_per_second": round(requests / duration, 1),
        "p50_ms": round(summary["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(summary["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(summary["latency_us"]["p99"] / 1000, 2),
        "bytes_per_response": round(summary["bytes"] / requests) if requests else 0,
        "non_2xx_3xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "sent": summary.get("sent", 0),
    }


# --- responsive images ---------------------------------------------------------------

SUPPORTED_IMAGE_TYPES = {
    "image/avif",
    "image/webp",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/svg+xml",
}


def parse_srcset(srcset):
    """``srcset`` as a list of (url, descriptor, number): descriptor "w" or "x"."""
    candidates = []
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        if position >= length:
            break
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start, depth = position, 0
            while position < length and (srcset[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(srcset[position], 0)
                position += 1
            descriptor = srcset[start:position].strip()
        kind, number = "x", 1.0
        for token in descriptor.split():
            match = re.fullmatch(r"([0-9.]+)([wxh])", token)
            if match and match.group(2) in "wx":
                kind, number = match.group(2), float(match.group(1))
        if url:
            candidates.append((url, kind, number))
    return candidates


def css_length(value, viewport_px, root_font_px=16):
    """A CSS length (px, vw, rem, em) in pixels, or None when it can't be told."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(px|vw|rem|em)?\s*", value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    return {
        "px": number,
        "vw": number * viewport_px / 100,
        "rem": number * root_font_px,
        "em": number * root_font_px,
    }[unit]


def media_matches(query, viewport_px, root_font_px=16):
    """Whether a simple media query (min-width/max-width, ``and``, ``not all``) holds
    for a viewport ``viewport_px`` wide; unknown features count as not matching."""
    query = (query or "").strip().lower()
    if not query or query in {"all", "screen"}:
        return True
    for condition in re.split(r"\s+and\s+", query):
        condition = condition.strip()
        if condition in {"all", "screen", "only screen"}:
            continue
        match = re.fullmatch(r"\(\s*(min|max)-width\s*:\s*([^)]+)\)", condition)
        if not match:
            return False
        width = css_length(match.group(2), viewport_px, root_font_px)
        if width is None:
            return False
        if match.group(1) == "min" and not viewport_px >= width:
            return False
        if match.group(1) == "max" and not viewport_px <= width:
            return False
    return True


def slot_width(sizes, viewport_px, root_font_px=16):
    """The width in pixels the ``sizes`` attribute gives the image (100vw without it)."""
    for entry in _split_top_level(sizes or ""):
        match = re.fullmatch(r"\s*(.*?)\s*(calc\(.*\)|[0-9.]+[a-z]*)\s*", entry)
        if not match:
            continue
        condition, length = match.groups()
        if condition and not media_matches(condition, viewport_px, root_font_px):
            continue
        width = css_length(length, viewport_px, root_font_px)
        return float(viewport_px) if width is None else width
    return float(viewport_px)


def _split_top_level(text):
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def pick_candidate(candidates, slot_px, dpr=1.0):
    """The URL a browser picks: the smallest candidate that is at least as dense as
    the screen (width >= slot x DPR), else the largest."""
    if not candidates:
        return None
    densities = []
    for url, kind, number in candidates:
        density = number / slot_px if kind == "w" else number
        densities.append((density, url))
    enough = [item for item in densities if item[0] >= dpr - 1e-9]
    if enough:
        return min(enough)[1]
    return max(densities)[1]


def choose_image(sources, img, viewport_px, dpr=1.0):
    """The URL fetched for an ``<img>`` (a dict of its attributes) inside a ``<picture>``
    with ``sources`` (dicts of each ``<source>``'s attributes), at ``viewport_px``."""
    for source in sources:
        kind = (source.get("type") or "").split(";")[0].strip().lower()
        if kind and kind not in SUPPORTED_IMAGE_TYPES:
            continue
        if source.get("media") and not media_matches(source["media"], viewport_px):
            continue
        candidates = parse_srcset(source.get("srcset") or "")
        if candidates:
            slot = slot_width(source.get("sizes") or img.get("sizes"), viewport_px)
            return pick_candidate(candidates, slot, dpr)
    candidates = parse_srcset(img.get("srcset") or "")
    if img.get("src") and not any(kind == "w" or number == 1 for _, kind, number in candidates):
        candidates.append((img["src"], "x", 1.0))
    if not candidates:
        return img.get("src")
    return pick_candidate(candidates, slot_width(img.get("sizes"), viewport_px), dpr)


# --- HTML: assets and forms ----------------------------------------------------------


class AssetParser(HTMLParser):
    """The sub-resources a browser fetches for a page, at one viewport width."""

    def __init__(self, viewport_px=360, dpr=1.0):
        super().__init__(convert_charrefs=True)
        self.viewport_px = viewport_px
        self.dpr = dpr
        self.stylesheets, self.scripts, self.images, self.other = [], [], [], []
        self.lazy_images = []
        self._picture_sources = None

    def handle_starttag(self, tag, attrs):
        a = {name: (value or "") for name, value in attrs}
        if tag == "link":
            rel = set(a.get("rel", "").lower().split())
            href = a.get("href")
            if not href:
                return
            if "stylesheet" in rel and not a.get("media", "").strip().lower() == "print":
                self.stylesheets.append(href)
            elif "modulepreload" in rel or ("preload" in rel and a.get("as") == "script"):
                self.scripts.append(href)
            elif "preload" in rel or "icon" in rel or "manifest" in rel:
                self.other.append(href)
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "picture":
            self._picture_sources = []
        elif tag == "source" and self._picture_sources is not None:
            self._picture_sources.append(a)
        elif tag == "img":
            url = choose_image(self._picture_sources or [], a, self.viewport_px, self.dpr)
            if url and not url.startswith("data:"):
                self.images.append(url)
                if a.get("loading", "").lower() == "lazy":
                    self.lazy_images.append(url)
        elif tag in {"iframe", "embed"} and a.get("src"):
            self.other.append(a["src"])
        elif tag == "video" and a.get("poster"):
            self.other.append(a["poster"])

    def handle_endtag(self, tag):
        if tag == "picture":
            self._picture_sources = None


def parse_assets(html, viewport_px=360, dpr=1.0):
    parser = AssetParser(viewport_px, dpr)
    parser.feed(html)
    parser.close()
    return {
        "stylesheets": parser.stylesheets,
        "scripts": parser.scripts,
        "images": parser.images,
        "lazy_images": parser.lazy_images,
        "other": parser.other,
    }


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


def css_urls(css_text):
    """URLs a stylesheet references (url(...) and @import), without data: URIs."""
    urls = []
    for match in _CSS_URL.finditer(css_text):
        url = (match.group(2) or match.group(4) or "").strip()
        if url and not url.startswith(("data:", "#")):
            urls.append(url)
    return urls


def is_third_party(url, page_host):
    """True when ``url`` points at another host than the page's own."""
    parsed = urllib.parse.urlsplit(url)
    if not parsed.netloc:
        return False
    return parsed.hostname != page_host.split(":")[0]


class FormParser(HTMLParser):
    """Every ``<form>`` with its fields."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            self._form["fields"].append(
                {
                    "tag": "input",
                    "name": a["name"],
                    "type": a.get("type", "text").lower(),
                    "value": a.get("value", ""),
                    "checked": "checked" in a,
                    "required": "required" in a,
                    "attrs": a,
                }
            )
        elif tag == "select" and a.get("name"):
            self._select = {
                "tag": "select",
                "name": a["name"],
                "type": "select",
                "options": [],
                "required": "required" in a,
                "multiple": "multiple" in a,
                "attrs": a,
            }
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(
                {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            )
        elif tag == "textarea" and a.get("name"):
            self._textarea = {
                "tag": "textarea",
                "name": a["name"],
                "type": "textarea",
                "value": "",
                "required": "required" in a,
                "attrs": a,
            }
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._select is not None and self._select["options"]:
            self._select["options"][-1]["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_forms(html):
    parser = FormParser()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        for field in form["fields"]:
            for option in field.get("options", []):
                if option["value"] is None:
                    option["value"] = option["text"].strip()
    return parser.forms


def signup_form(forms):
    """The first POST form with a CSRF token and an e-mail field, or None."""
    for form in forms:
        names = {field["name"] for field in form["fields"]}
        has_email = any(
            field["type"] == "email" or "email" in field["name"].lower() for field in form["fields"]
        )
        if form["method"] == "post" and "csrfmiddlewaretoken" in names and has_email:
            return form
    return None


_HONEYPOT = re.compile(r"honey|^hp_|_hp$|^hp$|leave.?(this|it)?.?(blank|empty)|bot.?trap", re.I)


def _looks_like_honeypot(field):
    attrs = field.get("attrs", {})
    if _HONEYPOT.search(field["name"]):
        return True
    hidden_by_markup = attrs.get("tabindex") == "-1" and attrs.get("autocomplete") == "off"
    return hidden_by_markup and field["type"] not in {"hidden", "checkbox", "radio"}


def fill_form(form, run_id):
    """(name, value) pairs for a valid sign-up; every value that should be unique per
    person contains ``UNIQUE_PLACEHOLDER``. The CSRF token is left to the caller."""
    pairs, radios_done = [], set()
    for field in form["fields"]:
        name, kind = field["name"], field["type"]
        lname = name.lower()
        if name == "csrfmiddlewaretoken" or kind in {"submit", "button", "reset", "image", "file"}:
            continue
        if _looks_like_honeypot(field):
            pairs.append((name, ""))
            continue
        if kind == "hidden":
            pairs.append((name, field.get("value", "")))
        elif kind == "checkbox":
            pairs.append((name, field.get("value") or "on"))
        elif kind == "radio":
            if name not in radios_done:
                radios_done.add(name)
                pairs.append((name, field.get("value") or "on"))
        elif kind == "select":
            options = [o for o in field["options"] if o["value"]]
            chosen = [o for o in options if o["selected"]] or options[:1]
            if chosen:
                pairs.append((name, chosen[0]["value"]))
        elif kind == "email" or "email" in lname:
            pairs.append((name, f"bench-{run_id}-{UNIQUE_PLACEHOLDER}@example.org"))
        elif kind == "tel" or "phone" in lname or "tel" == lname:
            pairs.append((name, "+38344123456"))
        elif kind == "number" or kind == "range":
            pairs.append((name, field["attrs"].get("min") or "1"))
        elif kind == "date":
            pairs.append((name, "1990-01-01"))
        elif kind == "url":
            pairs.append((name, "https://example.org/"))
        elif kind == "textarea":
            pairs.append((name, "Benchmark sign-up."))
        elif "first" in lname or "given" in lname:
            pairs.append((name, "Bench"))
        elif "last" in lname or "family" in lname or "surname" in lname:
            pairs.append((name, "Tester"))
        elif "name" in lname:
            pairs.append((name, "Bench Tester"))
        elif "postal" in lname or "zip" in lname or "post_code" in lname:
            pairs.append((name, "10000"))
        elif any(word in lname for word in ("city", "municipal", "town", "place", "komun")):
            pairs.append((name, "Prishtinë"))
        elif kind in {"text", "search", ""}:
            pairs.append((name, field.get("value") or "Bench"))
    return pairs


def encode_form(pairs, csrf_token):
    """The urlencoded body, with the CSRF token first; the placeholder survives."""
    body = urllib.parse.urlencode([("csrfmiddlewaretoken", csrf_token), *pairs])
    assert UNIQUE_PLACEHOLDER in body or not any(UNIQUE_PLACEHOLDER in v for _, v in pairs)
    return body


def form_errors(html):
    """Signs that a form came back with errors (Django's errorlist, aria-invalid)."""
    found = []
    for match in re.finditer(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S):
        found.append(re.sub(r"<[^>]+>", " ", match.group(1)).split())
    if 'aria-invalid="true"' in html:
        found.append(["aria-invalid"])
    return [" ".join(words) for words in found]


# --- report --------------------------------------------------------------------------


def format_table(rows, columns):
    """A plain-text table: ``columns`` is a list of (key, heading)."""
    cells = [[heading for _, heading in columns]]
    for row in rows:
        cells.append(["" if row.get(key) is None else str(row.get(key)) for key, _ in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = []
    for index, line in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def normalise_sql(sql):
    """A statement with its literals replaced, to find the same query run many times."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    sql = re.sub(r"\(\s*\?(\s*,\s*\?)*\s*\)", "(...)", sql)
    return re.sub(r"\s+", " ", sql).strip()


def kib(value):
    return None if value is None else round(value / 1024, 1)


def poll_summary(values, times=None):
    """What a page answered when polled: its X-Cache values in order, and when
    (``times``, seconds since the start) each answer that was not a hit came."""
    after_first = values[1:]
    summary = {
        "polls": len(values),
        "counts": dict(Counter(value or "none" for value in values)),
        "first": values[0] if values else None,
        "all_hit_after_first": bool(after_first) and all(v == "HIT" for v in after_first),
    }
    if times is not None:
        summary["not_hit_at_s"] = [t for t, v in zip(times, values, strict=True) if v != "HIT"]
    return summary


def ratio(value, reference, digits=2):
    return round(value / reference, digits) if value is not None and reference else None


def verdicts(rows, weights=(), signups=(), live=None, only=()):
    """The performance targets, each met or missed, from the figures of one run.

    ``rows``: one per target (``key``, ``kind``, ``page_type``, req/s of the cached
    pass and, for the trivial view and the pages, of the truly cold pass, SQL
    counts); ``weights``, ``signups``: as the bench measures them; ``live``: the live
    congress scenario or None; ``only``: the BENCH_ONLY words (a partial run does not
    miss what it left out)."""
    verdicts = []

    def add(name, met, detail):
        verdicts.append({"target": name, "met": bool(met), "detail": detail})

    by_key = {r["key"]: r for r in rows}
    trivial = by_key.get("trivial", {})
    pages = [r for r in rows if r.get("kind") == "page" and r.get("page_type")]
    if pages:
        worst = min(pages, key=lambda r: r.get("ratio_to_trivial") or 0)
        add(
            f"cached pages >= {TARGET_CACHED_RATIO:.0%} of the trivial view's req/s",
            all((r.get("ratio_to_trivial") or 0) >= TARGET_CACHED_RATIO for r in pages),
            f"lowest {worst['key']} at {worst.get('ratio_to_trivial')}x",
        )
        add(
            "0 SQL queries on a cache hit",
            all(r.get("sql_hit") == 0 for r in pages),
            ", ".join(f"{r['key']}={r.get('sql_hit')}" for r in pages),
        )
        most = max(pages, key=lambda r: r.get("sql_cold") or 0)
        add(
            f"truly cold render (no cache at all) <= {TARGET_COLD_QUERIES} SQL queries",
            all(
                r.get("sql_cold") is not None and r["sql_cold"] <= TARGET_COLD_QUERIES
                for r in pages
            ),
            f"most {most['key']} with {most.get('sql_cold')}",
        )
        trivial_cold = trivial.get("cold_requests_per_second")
        colds = [r for r in pages if r.get("cold_requests_per_second") is not None]
        if colds and trivial_cold:
            slowest = min(colds, key=lambda r: r["cold_requests_per_second"])
            add(
                f"truly cold pages >= {TARGET_COLD_RATIO:.1%} of the trivial view's req/s "
                "(both in the cold pass)",
                len(colds) == len(pages)
                and all(
                    r["cold_requests_per_second"] >= TARGET_COLD_RATIO * trivial_cold for r in colds
                ),
                f"slowest {slowest['key']} at {slowest['cold_requests_per_second']} req/s, "
                f"{ratio(slowest['cold_requests_per_second'], trivial_cold, 3)}x the "
                f"trivial view's {trivial_cold} req/s",
            )
        elif not only:
            add("truly cold pass measured", False, "no figures of the cold pass")
    for r in rows:
        if r.get("kind") != "tracking":
            continue
        add(
            f"tracking parameters: {r['path']} is a cache hit of the bare URL, "
            f">= {TARGET_CACHED_RATIO:.0%} of the trivial view's req/s",
            r.get("x_cache") == "HIT"
            and r.get("shares_bare_entry")
            and r.get("sql_hit") == 0
            and (r.get("ratio_to_trivial") or 0) >= TARGET_CACHED_RATIO,
            f"X-Cache {r.get('x_cache')} (in-process after the bare URL: "
            f"{'HIT' if r.get('shares_bare_entry') else 'not a hit'}, SQL {r.get('sql_hit')}), "
            f"{r.get('ratio_to_trivial')}x the trivial view",
        )
    present = {r.get("page_type") for r in pages}
    missing = [t for t in PAGE_TYPES_EXPECTED if t not in present]
    if missing and not only:
        add("every page type measured", False, f"not measured: {', '.join(missing)}")
    if live:
        _live_verdicts(live, add)
    elif not only:
        add("live congress measured", False, "the live congress scenario did not run")
    if signups:
        for s in signups:
            add(
                f"sign-ups ({s['key']}) >= {TARGET_SIGNUPS_PER_SECOND}/s, stored exactly once",
                s["accepted_per_second"] >= TARGET_SIGNUPS_PER_SECOND and s["stored_exactly_once"],
                f"{s['accepted_per_second']}/s accepted, {s['stored_rows']} rows for "
                f"{s['accepted_responses']} accepted of {s['sent_requests']} sent, "
                f"{s['duplicates']} duplicates",
            )
    elif not only:
        add("sign-ups measured", False, "no sign-up form found (see notes)")
    for w in weights:
        add(
            f"page weight {w['host']} at {w['viewport_px']} px",
            w["meets_text_budget"]
            and w["meets_total_budget"]
            and not w["third_party"]
            and not w["large_fonts"],
            f"HTML+CSS+JS {w['html_css_js_compressed'] / KB:.1f} KB (<= 50), "
            f"all {w['total_compressed'] / KB:.1f} KB (<= 300), "
            f"third-party {len(w['third_party'])}, fonts over 50 KB {len(w['large_fonts'])}",
        )
    return verdicts


def _live_verdicts(live, add):
    published = live.get("published") or []
    failed = [p for p in published if p.get("error")]
    pages = live.get("pages") or []
    worst = min(pages, key=lambda p: p.get("ratio") or 0) if pages else None
    add(
        f"live congress: req/s while an outcome is published every {live['every_s']:g} s "
        f">= {TARGET_LIVE_RATIO:.0%} of the same pages without publishing",
        pages
        and published
        and not failed
        and all((p.get("ratio") or 0) >= TARGET_LIVE_RATIO for p in pages),
        (
            ", ".join(
                f"{p['key']} {p['publishing_requests_per_second']} vs "
                f"{p['quiet_requests_per_second']} req/s ({p['ratio']}x)"
                for p in pages
            )
            + f"; {len(published) - len(failed)} of {len(published)} publishes done"
            + (f"; lowest {worst['key']}" if worst else "")
        ),
    )
    other = (live.get("polls") or {}).get("other") or {}
    add(
        f"live congress: {live.get('other_host')} stays a cache hit meanwhile "
        "(every poll after the first)",
        other.get("all_hit_after_first"),
        f"{other.get('polls', 0)} polls: {other.get('counts', {})}",
    )
    add(
        "live congress: the last outcome published shows on the congress page",
        live.get("last_title_shown"),
        f"{live.get('last_marker')!r} "
        + ("found" if live.get("last_title_shown") else "not found")
        + f" on {live.get('congress_path')} after the run",
    )
