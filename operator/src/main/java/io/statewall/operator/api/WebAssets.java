package io.statewall.operator.api;

import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The web view's files (one HTML page, ES modules, a style sheet), read from the jar once and served
 * under {@code /ui/} without the token, and Swagger UI (from its webjar, with a page of ours) under
 * {@code /api/docs/}: they hold no data, and each page asks for the token before it reads any. A
 * strict Content-Security-Policy keeps the pages to this origin: no external requests, no inline
 * script (Swagger UI sets inline styles, so its page allows those).
 */
final class WebAssets {
  static final String BASE = "/io/statewall/operator/web/";
  static final List<String> FILES = List.of("index.html", "style.css", "app.js", "api.js", "network.js",
      "verdicts.js", "connections.js", "policy.js");
  static final String UI = "/ui/";
  static final String DOCS = "/api/docs/";
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  static final String DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
  private static final String WEBJAR = "/META-INF/resources/webjars/swagger-ui/";
  private static final String WEBJAR_POM = "/META-INF/maven/org.webjars/swagger-ui/pom.properties";

  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final Map<String, byte[]> docs = new LinkedHashMap<>();

  WebAssets() {
    for (String f : FILES) {
      files.put(f, read(BASE + f));
    }
    docs.put("index.html", read(BASE + "api-docs.html"));
    docs.put("api-docs.js", read(BASE + "api-docs.js"));
    docs.put("api-docs.css", read(BASE + "api-docs.css"));
    String swagger = WEBJAR + swaggerUiVersion() + "/";
    docs.put("swagger-ui-bundle.js", read(swagger + "swagger-ui-bundle.js"));
    docs.put("swagger-ui.css", read(swagger + "swagger-ui.css"));
  }

  /** The webjar's folder is named by its version, which its pom.properties gives. */
  private static String swaggerUiVersion() {
    Properties p = new Properties();
    try (InputStream in = new ByteArrayInputStream(read(WEBJAR_POM))) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  private static byte[] read(String resource) {
    try (InputStream in = WebAssets.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the web view's " + resource + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes of all the web view's files: what a browser loads for the whole view. */
  int totalBytes() {
    return files.values().stream().mapToInt(b -> b.length).sum();
  }

  void index(Context ctx) {
    index(ctx, UI, files, CSP);
  }

  void file(Context ctx) {
    send(ctx, files, ctx.pathParam("file"), CSP);
  }

  /** {@code /api/docs/}: Swagger UI's page. */
  void docsIndex(Context ctx) {
    index(ctx, DOCS, docs, DOCS_CSP);
  }

  void docsFile(Context ctx) {
    send(ctx, docs, ctx.pathParam("file"), DOCS_CSP);
  }

  /** Javalin ignores a trailing slash: {@code /ui} must become {@code /ui/}, or the page's relative URLs miss. */
  private static void index(Context ctx, String base, Map<String, byte[]> from, String csp) {
    if (!ctx.path().endsWith("/")) {
      ctx.redirect(base);
      return;
    }
    send(ctx, from, "index.html", csp);
  }

  private static void send(Context ctx, Map<String, byte[]> from, String name, String csp) {
    byte[] b = from.get(name);
    if (b == null) {
      throw new ApiError(404, "no file '" + name + "' in the web view");
    }
    ctx.header("Content-Security-Policy", csp);
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

  /** Whether a request is for the pages' files (or the redirects to them), which need no token. */
  static boolean isAsset(String path) {
    return path.equals("/") || path.equals("/ui") || path.startsWith(UI) || path.equals("/api/docs")
        || path.startsWith(DOCS);
  }
}
