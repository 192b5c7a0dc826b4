package io.statewall.operator.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web view's files (one HTML page, ES modules, a style sheet), read from the jar once and served
 * under {@code /ui/} without the token: they hold no data, and the page asks for the token before it
 * reads any. A strict Content-Security-Policy keeps the page to this origin: no external requests,
 * no inline script.
 */
final class WebAssets {
  static final String BASE = "/io/statewall/operator/web/";
  static final List<String> FILES = List.of("index.html", "style.css", "app.js", "api.js", "network.js",
      "verdicts.js", "connections.js", "policy.js");
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Map<String, byte[]> files = new LinkedHashMap<>();

  WebAssets() {
    for (String f : FILES) {
      try (InputStream in = WebAssets.class.getResourceAsStream(BASE + f)) {
        if (in == null) {
          throw new IllegalStateException("the web view's " + f + " is missing from the jar");
        }
        files.put(f, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Bytes of all the files: what a browser loads for the whole view. */
  int totalBytes() {
    return files.values().stream().mapToInt(b -> b.length).sum();
  }

  /** Javalin ignores a trailing slash: {@code /ui} must become {@code /ui/}, or the page's relative URLs miss. */
  void index(Context ctx) {
    if (!ctx.path().endsWith("/")) {
      ctx.redirect("/ui/");
      return;
    }
    send(ctx, "index.html");
  }

  void file(Context ctx) {
    send(ctx, ctx.pathParam("file"));
  }

  private void send(Context ctx, String name) {
    byte[] b = files.get(name);
    if (b == null) {
      throw new ApiError(404, "no file '" + name + "' in the web view");
    }
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-cache");
    ctx.contentType(type(name)).result(b);
  }

  static String type(String name) {
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    return "text/css; charset=utf-8";
  }

  /** Whether a request is for the view's files (or the redirect to them), which need no token. */
  static boolean isAsset(String path) {
    return path.equals("/") || path.equals("/ui") || path.startsWith("/ui/");
  }
}
