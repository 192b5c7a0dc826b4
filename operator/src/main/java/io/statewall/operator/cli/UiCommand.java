package io.statewall.operator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code statewall ui}: the web view's URL on the running controller (checked to answer with the
 * token), opened in a browser with {@code --open}. The token is not in the URL unless asked for:
 * a URL given to {@code xdg-open} is in the process list, which every local user can read.
 */
@Command(name = "ui", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Print the web view's URL (and open it with --open); the page asks for the API token once.")
public final class UiCommand extends ApiCommand {
  @Option(names = "--open", description = "Open the URL with xdg-open, if there is one (without the token).")
  boolean open;

  @Option(names = "--with-token",
      description = "Print the URL with the token in its fragment (#token=...), which the page keeps and takes off "
          + "the URL. The fragment is never sent to the server, but mind your terminal's scrollback.")
  boolean withToken;

  /** Starts a browser on a URL; false when there is none. Replaced in tests. */
  Predicate<String> browser = UiCommand::xdgOpen;

  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    // fails with the API's own message (no controller, wrong token) before printing a URL that would not work
    client.get("/api/v1/switches", Map.of());
    String url = client.base() + "/ui/";
    Optional<String> token = client.token();
    out.println(withToken && token.isPresent()
        ? url + "#token=" + URLEncoder.encode(token.get(), StandardCharsets.UTF_8) : url);
    if (!withToken) {
      out.println("The page asks for the API token once (it is in the controller's API token file).");
    }
    if (open && !browser.test(url)) {
      spec.commandLine().getErr().println("statewall: no xdg-open here: open the URL yourself");
    }
    return 0;
  }

  static boolean xdgOpen(String url) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "xdg-open");
      if (Files.isExecutable(p)) {
        try {
          new ProcessBuilder(p.toString(), url).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
          return true;
        } catch (IOException e) {
          return false;
        }
      }
    }
    return false;
  }
}
