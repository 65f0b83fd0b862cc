# Varnish in front of drugref's app servers: a front cache purged by tag.
#
# drugref tags every public page with what it shows (Surrogate-Key header) and,
# with DRUGREF_FRONT_CACHE_PURGE=xkey and DRUGREF_FRONT_CACHE_URLS pointing
# here, sends "PURGE /" with an xkey-purge header listing the tags a change
# touched. vmod_xkey (Debian's varnish-modules) drops exactly those pages.
#
# Set the app servers (one backend each, all added to the director in
# vcl_init) and the purgers ACL; everything else works as it is. Run varnishd with
# -p http_gzip_support=off: the app compresses pages itself (Brotli and gzip),
# and this configuration keeps one copy per encoding, each sent as stored.
# (With it on, Varnish asks the app for gzip alone, so browsers never get
# Brotli, and unzips the page again for every client that takes no gzip.)
vcl 4.1;

import directors;
import xkey;

# The app servers. Each is probed and left out while it does not answer (down,
# restarting). The probe asks for /robots.txt, which needs no database: while
# the database is out, the app servers still serve what their page cache holds
# and this cache its stale-if-error copies. .host_header is the Host the probe
# sends: a name in DJANGO_ALLOWED_HOSTS.
probe app_server_up {
    .url = "/robots.txt";
    .interval = 5s;
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;  # healthy from the start: no 503s while the first polls run
}

backend app1 {
    .host = "127.0.0.1";
    .port = "8000";
    .host_header = "localhost";
    .probe = app_server_up;
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# A second app server: uncomment, set its address, and add it below.
# backend app2 {
#     .host = "10.0.0.12";
#     .port = "8000";
#     .host_header = "localhost";
#     .probe = app_server_up;
#     .connect_timeout = 2s;
#     .first_byte_timeout = 30s;
# }

sub vcl_init {
    new app_servers = directors.round_robin();
    app_servers.add_backend(app1);
    # app_servers.add_backend(app2);
}

# Who may purge: the app servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = app_servers.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.n-gone + " objects"));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin, and anyone signed in (Django's session cookie), always reach the app.
    if (req.url ~ "^/admin/" || req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Public pages are the same for every anonymous reader: other cookies do not matter.
    unset req.http.Cookie;
    # One of three encodings, as the app would choose it (Vary: Accept-Encoding):
    # Brotli, else gzip, else none; "br;q=0" refuses Brotli.
    if (req.http.Accept-Encoding ~ "(?i)(^|,)\s*(br|\*)\s*(,|$|;\s*q=(1|0?\.\d*[1-9]))") {
        set req.http.Accept-Encoding = "br";
    } elsif (req.http.Accept-Encoding ~ "(?i)(^|,)\s*gzip\s*(,|$|;\s*q=(1|0?\.\d*[1-9]))") {
        set req.http.Accept-Encoding = "gzip";
    } else {
        unset req.http.Accept-Encoding;
    }
    return (hash);
}

sub vcl_hash {
    # Plain HTTP and HTTPS (as the TLS terminator in front says) are kept apart:
    # a redirect made for one is never served for the other.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # vmod_xkey reads the tags from the xkey header.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Serve a stale copy for a while if the app servers fail (Cache-Control: stale-if-error).
    set beresp.keep = 1d;
}

sub vcl_backend_error {
    # No app server answered: say so plainly, and let clients try again shortly.
    set beresp.http.Retry-After = "5";
}

sub vcl_deliver {
    # Tags are for this cache, not for browsers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
