package io.statewall.it.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.ApiConfig;
import io.statewall.controller.launch.RunOptions;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import io.statewall.operator.api.ApiApp;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web view in a real browser (Debian's headless Chromium through its chromedriver) against a
 * real controller and three Open vSwitch switches in Mininet (s1-s2-s3, host hI on sI): the graph
 * shows them, a link cut shows within 2 s, a refused connection appears in the verdict stream with
 * its rule's file:line, and a connection deleted in the page is gone from the API. Each page's
 * screenshot goes to docs/web/; the page weight and the measured latency to target/web-view.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebViewTest {
  /** Line 7 drops telnet explicitly, so the verdict names servers.rules:7. */
  static final String SERVERS = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p icmp -j ACCEPT
      -A INPUT -p tcp --dport 23 -j DROP
      -A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      COMMIT
      """;
  static final Duration WAIT = Duration.ofSeconds(20);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  static Controller controller;
  static MininetNetwork net;
  static String base;
  static String token;
  static ChromeDriverService service;
  static WebDriver browser;
  static List<BackgroundProcess> services = List.of();
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final StringBuilder report = new StringBuilder();

  @BeforeAll
  static void start() throws Exception {
    Files.writeString(dir.resolve("servers.rules"), SERVERS);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: servers.rules\n");
    ControllerConfig config = ControllerConfig.defaults().withListen("127.0.0.1", 0);
    Path tokenFile = dir.resolve("api-token");
    List<App> apps = new FirewallAssembler().assemble(new RunOptions(policy, config,
        ApiConfig.of("127.0.0.1:0", tokenFile)));
    controller = new Controller(config, apps);
    int port = controller.start().getPort();
    base = "http://127.0.0.1:" + apps.stream().filter(a -> a instanceof ApiApp)
        .map(a -> ((ApiApp) a).address().getPort()).findFirst().orElseThrow();
    token = Files.readString(tokenFile).strip();
    try {
      net = MininetNetwork.builder().topology(Topology.linear(3)).controller("127.0.0.1", port).start();
      net.awaitControllerConnections(Duration.ofSeconds(20));
      Host h1 = net.host("h1");
      services = List.of(h1.start("socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall; sleep 120'"));
      await(() -> h1.exec("ss -ltn 'sport = :22' | grep -q LISTEN").succeeded(), "h1 listens on 22");
      // every host sends, so topology learns all three
      net.pingAll(Duration.ofSeconds(2));
      browser = browser(dir.resolve("chromium-profile"));
      browser.get(base + "/ui/");
      WebDriverWait w = new WebDriverWait(browser, WAIT);
      WebElement field = w.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
      field.sendKeys(token);
      browser.findElement(By.id("login-submit")).click();
      w.until(ExpectedConditions.invisibilityOfElementLocated(By.id("login")));
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  static WebDriver browser(Path profile) {
    service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
        .usingAnyFreePort().build();
    ChromeOptions o = new ChromeOptions();
    o.setBinary("/usr/bin/chromium");
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
        "--window-size=1200,900");
    ChromeDriver d = new ChromeDriver(service, o);
    d.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    return d;
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (service != null) {
      service.stop();
    }
    services.forEach(BackgroundProcess::close);
    if (net != null) {
      net.close();
    }
    if (controller != null) {
      controller.close();
    }
    if (report.length() > 0) {
      Files.writeString(Path.of("target", "web-view.txt"), report.toString());
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Until the one ssh connection (h3 to h1) is tracked ESTABLISHED. */
  static void awaitSshEstablished() throws InterruptedException {
    await(() -> {
      try {
        return api("/api/v1/conntrack?dport=22&state=ESTABLISHED").get("total").asInt() == 1;
      } catch (Exception e) {
        return false;
      }
    }, "the ssh connection is tracked ESTABLISHED");
  }

  static JsonNode api(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static void page(String name) {
    browser.get(base + "/ui/#/" + name);
    new WebDriverWait(browser, WAIT).until(ExpectedConditions.attributeToBe(By.id("nav-" + name), "aria-current", "page"));
  }

  /** docs/web/NAME.png, from the repository's root (the module runs in integration-tests/). */
  static void screenshot(String name) throws Exception {
    Path docs = Path.of("").toAbsolutePath().getParent().resolve("docs").resolve("web");
    Files.createDirectories(docs);
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), docs.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }


  @Test
  @Order(1)
  void theGraphShowsTheSwitchesAndHostsOfTheNetwork() throws Exception {
    page("network");
    WebDriverWait w = new WebDriverWait(browser, WAIT);
    w.withMessage(() -> "the page shows " + browser.findElement(By.tagName("main")).getText());
    w.until(d -> d.findElements(By.cssSelector("g.switch[data-switch]")).size() == 3
        && d.findElements(By.cssSelector("g.host[data-host]")).size() == 3
        && d.findElements(By.cssSelector("line.link[data-state='up']")).size() == 2);
    JavascriptExecutor js = (JavascriptExecutor) browser;
    assertThat(js.executeScript("return [...document.querySelectorAll('g.switch')].map(e => e.dataset.switch)"))
        .asList().containsExactlyInAnyOrder("s1", "s2", "s3");
    assertThat(js.executeScript("return [...document.querySelectorAll('g.host')].map(e => e.dataset.host)"))
        .asList().containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
    assertThat(browser.findElement(By.id("switch-table")).getText()).contains("OF_13").contains("s2");
    // the page's weight: every file of the view, as served
    long bytes = 0;
    for (String f : List.of("", "style.css", "app.js", "api.js", "network.js", "verdicts.js", "connections.js",
        "policy.js")) {
      bytes += http.send(HttpRequest.newBuilder(URI.create(base + "/ui/" + f)).build(),
          HttpResponse.BodyHandlers.ofByteArray()).body().length;
    }
    report.append("page weight (all files of /ui/, uncompressed): ").append(bytes).append(" bytes\n");
    screenshot("network");
  }

  @Test
  @Order(2)
  void aRefusedConnectionAppearsInTheVerdictStreamWithItsRule() throws Exception {
    page("verdicts");
    WebElement addr = browser.findElement(By.id("verdict-addr"));
    addr.sendKeys("10.0.0.1");
    browser.findElement(By.id("verdict-apply")).click();
    // the stream must be open before the packet is sent
    new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("status")).getText().equals("verdicts: live"));
    Thread.sleep(300);
    long sent = System.nanoTime();
    WebElement row;
    try (BackgroundProcess telnet = net.host("h3").start("exec nc -z -w 2 10.0.0.1 23")) {
      row = new WebDriverWait(browser, WAIT, Duration.ofMillis(20)).until(ExpectedConditions.visibilityOfElementLocated(
          By.cssSelector("tr.verdict[data-dport='23'][data-src='10.0.0.3']")));
      report.append("verdict shown (from starting nc on h3): ").append((System.nanoTime() - sent) / 1_000_000)
          .append(" ms\n");
    }
    assertThat(row.getText()).contains("DROP").contains("10.0.0.3:").contains("10.0.0.1:23");
    assertThat(row.findElement(By.cssSelector("td.rule")).getText()).endsWith("servers.rules:7");
    screenshot("verdicts");
  }

  @Test
  @Order(3)
  void aConnectionDeletedInThePageIsGoneFromTheApi() throws Exception {
    try (BackgroundProcess ssh = net.host("h3").start("exec nc 10.0.0.1 22 > /dev/null")) {
      awaitSshEstablished();
      int sport = api("/api/v1/conntrack?dport=22&state=ESTABLISHED").get("items").get(0).get("original")
          .get("sport").asInt();
      page("connections");
      WebDriverWait w = new WebDriverWait(browser, WAIT);
      browser.findElement(By.id("ct-dport")).sendKeys("22");
      browser.findElement(By.cssSelector("#ct-filters button[type='submit']")).click();
      By row = By.cssSelector("tr.conn[data-sport='" + sport + "'][data-dport='22']");
      w.until(ExpectedConditions.visibilityOfElementLocated(row));
      screenshot("connections");
      // by keyboard, as an operator without a mouse would
      WebElement delete = browser.findElement(row).findElement(By.cssSelector("button.delete"));
      assertThat(delete.getAttribute("aria-label")).contains("10.0.0.3:" + sport);
      delete.sendKeys(Keys.ENTER);
      w.until(ExpectedConditions.invisibilityOfElementLocated(row));
      assertThat(api("/api/v1/conntrack?sport=" + sport + "&dport=22").get("total").asInt()).isZero();
    }
    page("policy");
    new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("policy-text")).getText().contains("--dport 23"));
    screenshot("policy");
  }

  @Test
  @Order(4)
  void aLinkCutShowsWithinTwoSeconds() throws Exception {
    page("network");
    // the graph is redrawn from each snapshot: read the state in one script, never through a held element
    String state = "const l = document.querySelector(\"line.link[data-ends='s2 s3']\"); return l && l.dataset.state;";
    JavascriptExecutor js = (JavascriptExecutor) browser;
    new WebDriverWait(browser, WAIT).until(d -> "up".equals(js.executeScript(state)));
    long cut = System.nanoTime();
    net.linkDown("s2", "s3");
    try {
      new WebDriverWait(browser, Duration.ofSeconds(2), Duration.ofMillis(20))
          .until(d -> "down".equals(js.executeScript(state)));
      long ms = (System.nanoTime() - cut) / 1_000_000;
      report.append("link cut shown (from the call to bring it down): ").append(ms).append(" ms\n");
      screenshot("network-link-down");
    } finally {
      net.linkUp("s2", "s3");
    }
  }

  @Test
  @Order(5)
  void swaggerUiListsEveryRouteFromThisOriginOnly() throws Exception {
    // the same tab: the page takes the web view's token from sessionStorage
    browser.get(base + "/api/docs/");
    WebDriverWait w = new WebDriverWait(browser, WAIT);
    w.withMessage(() -> "the page shows " + browser.findElement(By.tagName("body")).getText());
    w.until(d -> d.findElements(By.cssSelector(".opblock-summary-path")).size() >= 14);
    JavascriptExecutor js = (JavascriptExecutor) browser;
    assertThat(js.executeScript("return [...document.querySelectorAll('.opblock-summary-path')]"
        + ".map(e => e.getAttribute('data-path'))")).asList()
        .contains("/api/v1/conntrack", "/api/v1/policy", "/api/v1/trace", "/api/v1/switches", "/healthz");
    // the schemas the document names: in the spec Swagger UI loaded, and its (collapsed) Schemas section
    assertThat(js.executeScript("return Object.keys(window.ui.specSelectors.specJson().toJS().components.schemas)"))
        .asList().contains("PageOfConnectionView", "TraceView", "PolicyRequest", "RuleSetHits");
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("Schemas");
    // no request left this origin (the CSP would refuse one, and it would show here)
    assertThat(js.executeScript("return performance.getEntriesByType('resource').map(e => e.name)"
        + ".filter(n => !n.startsWith(location.origin))")).asList().isEmpty();
    screenshot("api-docs");
  }

  @Test
  @Order(6)
  void eachSwitchShowsItsVersionRoleFlowEntriesAndPacketInRateAndItsLocalHosts() throws Exception {
    page("network");
    JavascriptExecutor js = (JavascriptExecutor) browser;
    WebDriverWait w = new WebDriverWait(browser, WAIT);
    String cells = "const r = document.querySelector(\"#switch-table tr[data-switch='s2']\"); return r && "
        + "[r.querySelector('.version').textContent, r.querySelector('.role').textContent, "
        + "r.querySelector('.flow-entries').textContent, r.querySelector('.packet-in-rate').textContent];";
    // the rate needs two looks at the count (the stream's keep-alive brings one every 4 s)
    w.withMessage(() -> "switch s2's row shows " + js.executeScript(cells));
    w.until(d -> {
      Object row = js.executeScript(cells);
      return row instanceof List<?> l && l.get(2).toString().matches("\\d+") && l.get(3).toString().matches("[\\d.]+");
    });
    List<?> row = (List<?>) js.executeScript(cells);
    assertThat(row.get(0)).isEqualTo("OF_13");
    assertThat(row.get(1)).isEqualTo("MASTER");
    // at least the table-miss entry; the API says the same
    assertThat(Long.parseLong(row.get(2).toString())).isPositive();
    JsonNode s2 = null;
    for (JsonNode sw : api("/api/v1/switches")) {
      if ("s2".equals(sw.get("name").asText())) {
        s2 = sw;
      }
    }
    assertThat(s2).isNotNull();
    assertThat(s2.get("role").asText()).isEqualTo("MASTER");
    assertThat(s2.get("flowEntries").asLong()).isPositive();
    // a switch's own interface (its LOCAL port) talks too: drawn beside its switch, listed in its row
    await(() -> {
      try {
        for (JsonNode h : api("/api/v1/hosts")) {
          if (h.get("attachment").get("port").asInt() < 0) {
            return true;
          }
        }
        return false;
      } catch (Exception e) {
        return false;
      }
    }, "topology learns a host at a switch's LOCAL port");
    w.until(d -> !d.findElements(By.cssSelector("g.local-host[data-local]")).isEmpty());
    assertThat(js.executeScript("return [...document.querySelectorAll('td.local')].map(e => e.textContent)"
        + ".filter(t => t !== '-').length")).isNotEqualTo(0L);
    // and they are not counted among the network's hosts
    assertThat(browser.findElements(By.cssSelector("g.host[data-host]"))).hasSize(3);
    screenshot("network");
  }

  @Test
  @Order(7)
  void thePolicyPageShowsEachRulesHitsWithItsFileAndLine() throws Exception {
    page("policy");
    WebDriverWait w = new WebDriverWait(browser, WAIT);
    // the telnet attempt of the verdict test was dropped by servers.rules:7, the ssh one let in by line 5
    By telnet = By.cssSelector("tr.hit[data-where='servers.rules:7']");
    By ssh = By.cssSelector("tr.hit[data-where='servers.rules:5']");
    w.until(ExpectedConditions.visibilityOfElementLocated(telnet));
    assertThat(Long.parseLong(browser.findElement(telnet).getAttribute("data-packets"))).isPositive();
    assertThat(Long.parseLong(browser.findElement(ssh).getAttribute("data-packets"))).isPositive();
    assertThat(browser.findElement(telnet).getText()).contains("--dport 23").contains("DROP");
    screenshot("policy");
  }

  @Test
  @Order(8)
  void aDryRunShowsTheConnectionsANewPolicyWouldCutAndTheConnectionsPageSortsAndShowsPaths() throws Exception {
    try (BackgroundProcess ssh = net.host("h3").start("exec nc 10.0.0.1 22 > /dev/null")) {
      awaitSshEstablished();
      // two more connections between hosts without rule sets (nothing refuses them): UDP to 9999 and 7
      net.host("h2").exec("echo x | nc -u -w 1 10.0.0.3 9999; echo x | nc -u -w 1 10.0.0.3 7");
      // the connections page, sorted by the server: by destination port, highest first
      page("connections");
      WebDriverWait w = new WebDriverWait(browser, WAIT);
      new Select(browser.findElement(By.id("ct-sort"))).selectByValue("dport");
      new Select(browser.findElement(By.id("ct-order"))).selectByValue("desc");
      // the page does not sort: the rows come in the server's order, highest port first
      JavascriptExecutor js = (JavascriptExecutor) browser;
      String dports = "return [...document.querySelectorAll('tr.conn')].map(r => r.dataset.dport === undefined ? -1 : Number(r.dataset.dport))";
      w.withMessage(() -> "rows' destination ports " + js.executeScript(dports));
      w.until(d -> {
        List<?> ports = (List<?>) js.executeScript(dports);
        if (!ports.containsAll(List.of(9999L, 22L, 7L))) {
          browser.findElement(By.id("ct-refresh")).click();
          return false;
        }
        for (int i = 1; i < ports.size(); i++) {
          if (((Number) ports.get(i - 1)).longValue() < ((Number) ports.get(i)).longValue()) {
            return false;
          }
        }
        return true;
      });
      // the ssh connection is carried by the switches: its row shows the path s3 -> s2 -> s1
      By row = By.cssSelector("tr.conn[data-dport='22']");
      w.until(d -> d.findElement(row).findElement(By.cssSelector("td.path")).getText().split(" ").length == 3);
      screenshot("connections");

      page("policy");
      w.until(ExpectedConditions.visibilityOfElementLocated(By.id("dr-text-0")));
      js.executeScript("document.getElementById('dr-policy').value = arguments[0];"
          + "const t = document.getElementById('dr-text-0'); t.value = t.value.replace(/^.*--dport 22.*$\\n/m, '');",
          "hosts:\n  - address: 10.0.0.1\n    rules: servers.rules\n");
      assertThat(browser.findElement(By.id("dr-text-0")).getAttribute("value")).doesNotContain("--dport 22")
          .contains("--dport 23");
      browser.findElement(By.id("dr-submit")).click();
      WebElement cut = w.until(ExpectedConditions.visibilityOfElementLocated(By.id("dr-cut")));
      assertThat(cut.getText()).contains("dport=22").contains("DROP");
      assertThat(browser.findElement(By.id("dr-summary")).getText()).startsWith("1 tracked connections would be cut");
      ((JavascriptExecutor) browser).executeScript("document.getElementById('dr-submit').scrollIntoView()");
      screenshot("policy-dry-run");
      // a dry run changes nothing
      assertThat(api("/api/v1/conntrack?dport=22&state=ESTABLISHED").get("total").asInt()).isEqualTo(1);
      assertThat(api("/api/v1/policy").get("text").asText()).contains("--dport 22");
    }
  }
}
